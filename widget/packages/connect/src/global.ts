// Entry of the connect.js script-tag build: defines window.Gridlink once. A second copy of the
// script on the page keeps the first, so handles made before it are not orphaned.
import { createHandle } from "./create";
import type { ConnectConfig } from "./types";

declare global {
  interface Window {
    Gridlink?: { create: typeof import("./index").create };
  }
}

// The Gridlink server serves this script at its root: by default talk to where it came from (an
// SVG <script> or an inline one has no `src`: then the page's own origin).
const src = (document.currentScript as HTMLScriptElement | null)?.src;
const defaultBaseUrl = src ? new URL(".", src).href : location.origin;

window.Gridlink ||= {
  create: (config: ConnectConfig) => createHandle(config, defaultBaseUrl),
};
