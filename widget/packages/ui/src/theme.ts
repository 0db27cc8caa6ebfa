// The client's accent colour, set as CSS custom properties from script: a strict CSP blocks
// style attributes in markup, not CSSOM calls like setProperty.
const HEX = /^#[0-9a-f]{6}$/i;

/** Black or white, whichever reads better on `hex` (WCAG relative luminance). */
export function inkFor(hex: string): "#000000" | "#ffffff" {
  const channel = (i: number) => {
    const c = parseInt(hex.slice(i, i + 2), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  const luminance = 0.2126 * channel(1) + 0.7152 * channel(3) + 0.0722 * channel(5);
  return (luminance + 0.05) / 0.05 > 1.05 / (luminance + 0.05) ? "#000000" : "#ffffff";
}

export function applyAccent(root: HTMLElement, color: string | null | undefined): void {
  if (!color || !HEX.test(color)) return;
  root.style.setProperty("--accent", color);
  root.style.setProperty("--accent-ink", inkFor(color));
}
