// The dashboard's icons, drawn like the Connect UI's (same 24 × 24 stroke, @gridlink/ui's
// DrawnIcon) with a few of its own. Decorative: the control around one carries the name.
import { DrawnIcon, ICON_PATHS } from "@gridlink/ui/src/icons";

const PATHS = {
  ...ICON_PATHS,
  menu: "M4 6h16M4 12h16M4 18h16",
  copy: "M9 9h11v11H9zM5 15H4V4h11v1",
  refresh: "M20 12a8 8 0 1 1-2.3-5.6M20 4v5h-5",
  trash: "M4 7h16M10 11v6M14 11v6M6 7l1 13h10l1-13M9 7V4h6v3",
  users: "M9 11a4 4 0 1 0 0-8 4 4 0 0 0 0 8zM2 21a7 7 0 0 1 14 0M17 11a3 3 0 1 0 0-6M22 21a6 6 0 0 0-4-5.6",
  key: "M14 10a4 4 0 1 0-3.5 4L4 20.5V22h3v-2h2v-2h2l1.5-1.5A4 4 0 0 0 14 10z",
  list: "M8 6h13M8 12h13M8 18h13M3 6h.01M3 12h.01M3 18h.01",
  grid: "M4 4h7v7H4zM13 4h7v7h-7zM4 13h7v7H4zM13 13h7v7h-7z",
  bolt: "M13 2 4 14h7l-1 8 9-12h-7z",
  shield: "M12 3l8 3v6c0 5-3.5 8-8 9-4.5-1-8-4-8-9V6z",
  plus: "M12 5v14M5 12h14",
  external: "M14 4h6v6M20 4l-9 9M18 14v6H4V6h6",
  send: "M4 12 20 4l-6 16-3-7z",
};

export type DashboardIcon = keyof typeof PATHS;

export function Icon({ name, size = 18 }: { name: DashboardIcon; size?: number }) {
  return <DrawnIcon path={PATHS[name]} size={size} />;
}
