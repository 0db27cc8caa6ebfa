// Green Button files in Connect: the pure rules (size, which utility's how-to applies, how
// often a file's readings come) and how numbers, sizes and dates read in the session's language.
// No DOM, no network: unit-tested on their own.
import type { FileFound, MeterFound, Utility } from "./api";
import type { Lang, MessageKey } from "./i18n";

/** The server's default GRIDLINK_MAX_UPLOAD_BYTES (64 MiB). A server set lower answers 413,
 * which says the same; checking here first spares sending a file that cannot be taken. */
export const MAX_UPLOAD_BYTES = 64 * 1024 * 1024;
/** What the file picker offers: Green Button XML, a utility's CSV, a zip of them. */
export const ACCEPTED = ".xml,.csv,.zip";

/** Whether Connect can sign in to `utility` (servers before connection_methods: unless unsupported). */
export function signsIn(utility: Utility | null | undefined): boolean {
  if (!utility) return false;
  return utility.connection_methods?.includes("login") ?? utility.status != "unsupported";
}

/** Whether `utility`'s data can come from a Green Button file the end user uploads. */
export function takesFile(utility: Utility | null | undefined): boolean {
  return utility?.connection_methods?.includes("file") ?? false;
}

/** Where the download lives at a utility whose site we know (ids of the sandbox, the opower
 * connector's and an EIA import's catalog); other utilities get the general steps. */
const HINTS: Record<string, MessageKey> = {
  sandbox_electric: "upload.hint.sandbox",
  sandbox_gas: "upload.hint.sandbox",
  sandbox_combined: "upload.hint.sandbox",
  sandbox_water: "upload.hint.sandbox",
  sandbox_authenticator: "upload.hint.sandbox",
  eia_14328: "upload.hint.pge", // Pacific Gas & Electric
  eia_17609: "upload.hint.sce", // Southern California Edison
  eia_16609: "upload.hint.sdge", // San Diego Gas & Electric
  eia_4226: "upload.hint.coned", // Consolidated Edison (New York)
};

export function hintFor(utilityId: string | null | undefined): MessageKey | null {
  return (utilityId && HINTS[utilityId]) || null;
}

// --- how often readings come ------------------------------------------------------------

export type Cadence = "quarterHour" | "hourly" | "daily";

const CADENCES: [Cadence, number][] = [["quarterHour", 900], ["hourly", 3600], ["daily", 86400]];

/** A meter's reading length, when its readings fill its span evenly at a length we can name (a
 * file with gaps, or of mixed lengths, is described without one). */
export function meterCadence(meter: Pick<MeterFound, "readings" | "start" | "end">): Cadence | null {
  if (meter.readings < 2 || !meter.start || !meter.end) return null;
  const seconds = (Date.parse(meter.end) - Date.parse(meter.start)) / 1000 / meter.readings;
  const named = CADENCES.find(([, length]) => Math.abs(seconds - length) <= length * 0.01);
  return named ? named[0] : null;
}

/** The file's one reading length, when every meter with readings has the same one. */
export function fileCadence(found: FileFound): Cadence | null {
  const kinds = new Set(found.meters.filter((m) => m.readings > 0).map(meterCadence));
  const [only] = kinds;
  return kinds.size == 1 ? only ?? null : null;
}

// --- the session's language -------------------------------------------------------------

/** "One" or "Many": which of a message's two forms `n` takes in `lang` (Spanish "many", for a
 * round million, reads as the plural too). */
export function pluralForm(lang: Lang, n: number): "One" | "Many" {
  return new Intl.PluralRules(lang).select(n) == "one" ? "One" : "Many";
}

export function formatCount(lang: Lang, n: number): string {
  return new Intl.NumberFormat(lang).format(n);
}

/** A file size as people write it: "64 MB", "820 kB", one decimal under 10. Units of 1,024, so
 * the limit reads "64 MB" as the server's documentation says it (64 MiB), not "67.1 MB". */
export function formatSize(lang: Lang, bytes: number): string {
  const mb = bytes / 1024 ** 2;
  const [unit, value] = mb >= 1 ? ["megabyte", mb] : ["kilobyte", Math.max(bytes / 1024, 0.1)];
  const digits = value < 10 ? 1 : 0;
  return new Intl.NumberFormat(lang, { style: "unit", unit, maximumFractionDigits: digits }).format(value);
}

/** The first and the last day a span of readings covers, in the end user's time zone (the
 * browser's, unless `timeZone` is given; the end user normally lives in the utility's). `end` is
 * where the last reading ends, so the last day is the one just before it. */
export function formatDays(lang: Lang, start: string, end: string, timeZone?: string): [string, string] {
  const format = new Intl.DateTimeFormat(lang, { dateStyle: "medium", ...(timeZone ? { timeZone } : {}) });
  const last = Math.max(Date.parse(start), Date.parse(end) - 1);
  return [format.format(Date.parse(start)), format.format(last)];
}
