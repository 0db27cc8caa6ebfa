// Every string the end user sees lives in messages/<lang>.json (same keys, same placeholders:
// test/messages.test.ts checks). `{name}` placeholders are filled from plain values, never HTML.
import en from "./messages/en.json";
import es from "./messages/es.json";

export type MessageKey = keyof typeof en;
export type Lang = "en" | "es";
export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

export const MESSAGES: Record<Lang, Record<MessageKey, string>> = { en, es };

/** The session's language when it names one we have, else the browser's, else English. */
export function pickLanguage(sessionLanguage: string | null | undefined, browser: readonly string[]): Lang {
  for (const tag of [sessionLanguage, ...browser]) {
    const base = (tag ?? "").toLowerCase().split("-")[0];
    if (base == "en" || base == "es") return base;
  }
  return "en";
}

export function translator(lang: Lang): Translate {
  const table = MESSAGES[lang];
  return (key, values = {}) =>
    table[key].replace(/\{(\w+)\}/g, (whole, name: string) => (name in values ? String(values[name]) : whole));
}
