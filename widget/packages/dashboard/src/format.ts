// Dates, times, durations and numbers in the operator's language. The API speaks UTC ISO times;
// the dashboard shows them in the browser's time zone and keeps the exact value in a tooltip.
import type { Lang } from "./i18n";

export interface Formats {
  dateTime(iso: string | null | undefined): string;
  date(iso: string | null | undefined): string;
  number(value: number): string;
  relative(iso: string, now?: number): string;
}

export function formats(lang: Lang): Formats {
  const dateTime = new Intl.DateTimeFormat(lang, { dateStyle: "medium", timeStyle: "short" });
  const date = new Intl.DateTimeFormat(lang, { dateStyle: "medium" });
  const number = new Intl.NumberFormat(lang);
  const relative = new Intl.RelativeTimeFormat(lang, { numeric: "auto" });
  const valid = (iso: string | null | undefined): Date | null => {
    if (!iso) return null;
    const value = new Date(iso);
    return Number.isNaN(value.getTime()) ? null : value;
  };
  return {
    dateTime: (iso) => {
      const value = valid(iso);
      return value ? dateTime.format(value) : "—";
    },
    date: (iso) => {
      // A bare date (2026-11-21) is a calendar day, not midnight UTC.
      const value = valid(iso && /^\d{4}-\d{2}-\d{2}$/.test(iso) ? iso + "T12:00:00" : iso);
      return value ? date.format(value) : "—";
    },
    number: (value) => number.format(value),
    relative: (iso, now = Date.now()) => {
      const value = valid(iso);
      if (!value) return "—";
      const seconds = Math.round((value.getTime() - now) / 1000);
      const steps: [Intl.RelativeTimeFormatUnit, number][] = [["day", 86400], ["hour", 3600], ["minute", 60]];
      for (const [unit, size] of steps) if (Math.abs(seconds) >= size) return relative.format(Math.round(seconds / size), unit);
      return relative.format(seconds, "second");
    },
  };
}
