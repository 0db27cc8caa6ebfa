// Every string the end user sees lives in messages/<lang>.json (same keys, same placeholders:
// test/messages.test.ts checks). `{name}` placeholders are filled from plain values, never HTML.
import en from "./messages/en.json";
import es from "./messages/es.json";
import { fill, type Lang } from "./lang";

export { pickLanguage, type Lang } from "./lang";

export type MessageKey = keyof typeof en;
export type Translate = (key: MessageKey, values?: Record<string, string | number>) => string;

export const MESSAGES: Record<Lang, Record<MessageKey, string>> = { en, es };

export function translator(lang: Lang): Translate {
  const table = MESSAGES[lang];
  return (key, values) => fill(table[key], values);
}
