// A mark per utility (and for the client): its logo when the page may load it, else its initials
// on the client's accent colour.
import { useState } from "preact/hooks";

// Words that do not make a mark: "Sandbox Power & Light" is "SP", "City of Austin" is "CA".
const SMALL_WORDS = new Set(["&", "and", "of", "the", "de", "del", "la", "el", "y"]);

export function initials(name: string): string {
  const words = name.split(/[\s/-]+/).filter((word) => /\p{L}|\p{N}/u.test(word) && !SMALL_WORDS.has(word.toLowerCase()));
  const letters = words.slice(0, 2).map((word) => [...word.replace(/^[^\p{L}\p{N}]+/u, "")][0] ?? "");
  return letters.join("").toUpperCase() || "?";
}

/** Utility logos from elsewhere are left out: the page's CSP loads images from this server (and
 * the client's logo host) only, and a refused image is an error in the console. */
export function sameOrigin(url: string | null | undefined): boolean {
  if (!url) return false;
  try {
    return new URL(url, location.href).origin == location.origin;
  } catch {
    return false;
  }
}

export function Mark({ name, logo, size = "md" }: { name: string; logo?: string | null | undefined; size?: "md" | "lg" }) {
  const [broken, setBroken] = useState(false);
  if (logo && !broken) {
    return <img class={`mark ${size}`} src={logo} alt="" onError={() => setBroken(true)} />;
  }
  // The letters are drawn by CSS (::before, with empty alt text): a decoration, not part of the
  // name a screen reader reads or of the label's text.
  return <span class={`mark ${size}`} data-initials={initials(name)} aria-hidden="true" />;
}
