// Drawn icons (24 × 24, stroked in the current colour), never glyphs: a "✓" or "×" looks different
// in every font. Decorative: the control around an icon carries the accessible name.
import type { JSX } from "preact";

export const ICON_PATHS = {
  back: "M15 18l-6-6 6-6",
  close: "M6 6l12 12M18 6 6 18",
  check: "M5 12.5l4.5 4.5L19 7",
  search: "M10.5 17a6.5 6.5 0 1 0 0-13 6.5 6.5 0 0 0 0 13zM20 20l-4.9-4.9",
  lock: "M6 11h12v9H6zM8.5 11V8a3.5 3.5 0 0 1 7 0v3",
  alert: "M12 4 2.8 20h18.4zM12 10v4.5M12 17.5v.01",
  clock: "M12 21a9 9 0 1 0 0-18 9 9 0 0 0 0 18zM12 7.5V12l3 2",
  plug: "M9 3v5M15 3v5M6 8h12v3a6 6 0 0 1-12 0zM12 17v4",
  message: "M4 5h16v11H8l-4 4z",
  phone: "M5 4h4l2 5-2.5 1.5a11 11 0 0 0 5 5L15 13l5 2v4a1 1 0 0 1-1 1A16 16 0 0 1 4 5a1 1 0 0 1 1-1",
  mail: "M3 6h18v12H3zM3 7l9 6 9-6",
  bill: "M6 3h12v18l-3-2-3 2-3-2-3 2zM9 8h6M9 12h6",
  chart: "M4 20V10M10 20V4M16 20v-7M22 20H2",
  home: "M4 11 12 4l8 7M6 9.5V20h12V9.5",
  upload: "M12 15V4M7.5 8.5 12 4l4.5 4.5M4 15v4a1 1 0 0 0 1 1h14a1 1 0 0 0 1-1v-4",
  file: "M6 3h8l4 4v14H6zM14 3v4h4M9 12h6M9 16h6",
  link: "M10 14a4 4 0 0 0 5.7 0l3-3a4 4 0 0 0-5.7-5.7l-1 1M14 10a4 4 0 0 0-5.7 0l-3 3a4 4 0 0 0 5.7 5.7l1-1",
};

export type IconName = keyof typeof ICON_PATHS;

export function Icon({ name, size = 24 }: { name: IconName; size?: number }): JSX.Element {
  return <DrawnIcon path={ICON_PATHS[name]} size={size} />;
}

/** One drawn icon from its path (the dashboard draws its own set the same way). */
export function DrawnIcon({ path, size = 24 }: { path: string; size?: number }): JSX.Element {
  return (
    <svg
      class="icon" width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor"
      stroke-width="2" stroke-linecap="round" stroke-linejoin="round" aria-hidden="true" focusable="false"
    >
      <path d={path} />
    </svg>
  );
}
