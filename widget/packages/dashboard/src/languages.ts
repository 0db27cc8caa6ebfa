import type { Lang } from "./i18n";

/** Each language named in itself, so an operator finds theirs whatever the page's language. */
export const LANGUAGE_NAMES: Record<Lang, string> = { en: "English", es: "Español" };
