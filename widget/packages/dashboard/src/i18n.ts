// Every string an operator sees lives in messages/<lang>.json (same keys, same placeholders:
// test/messages.test.ts checks). The language rules are the Connect UI's (@gridlink/ui's lang.ts).
import { fill, pickLanguage, type Lang } from "@gridlink/ui/src/lang";
import en from "./messages/en.json";
import es from "./messages/es.json";

export { pickLanguage, type Lang };

export type MessageKey = keyof typeof en;
export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

export const MESSAGES: Record<Lang, Record<MessageKey, string>> = { en, es };

const STORED = "gridlink.dashboard.lang";

export function translator(lang: Lang): Translate {
  const table = MESSAGES[lang];
  return (key, values) => fill(table[key], values);
}

/** A message key made at run time (a status, an event type), or null when there is none. */
export function knownKey(key: string): MessageKey | null {
  return key in en ? (key as MessageKey) : null;
}

/** The operator's choice from the switch, else the browser's language. */
export function initialLanguage(): Lang {
  let saved: string | null = null;
  try {
    saved = localStorage.getItem(STORED);
  } catch {
    // storage may be off; the browser's language then decides
  }
  return pickLanguage(saved, navigator.languages ?? [navigator.language]);
}

export function rememberLanguage(lang: Lang): void {
  try {
    localStorage.setItem(STORED, lang);
  } catch {
    // not remembered: the next visit follows the browser again
  }
}
