// The language rules every Gridlink page shares (the Connect UI here, and the operator dashboard,
// which imports this file): English and Spanish, picked from what the page or browser prefers,
// and `{name}` placeholders filled from plain values, never HTML.
export type Lang = "en" | "es";

export const LANGUAGES: readonly Lang[] = ["en", "es"];

/** `first` (the page's own choice) when we have it, else the browser's first we have, else English. */
export function pickLanguage(first: string | null | undefined, browser: readonly string[]): Lang {
  for (const tag of [first, ...browser]) {
    const base = (tag ?? "").toLowerCase().split("-")[0];
    if (base == "en" || base == "es") return base;
  }
  return "en";
}

/** `text` with each `{name}` replaced by `values[name]` (unknown names stay as written). */
export function fill(text: string, values: Record<string, string | number> = {}): string {
  return text.replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
