// @gridlink/connect: open Gridlink Connect from any page. Importing this module does nothing by
// itself (no DOM, no network, no globals), so it is safe in server-rendered code.
import { createHandle } from "./create";
import type { ConnectConfig, ConnectHandle } from "./types";

export type {
  ConnectConfig,
  ConnectHandle,
  EventMetadata,
  EventName,
  ExitMetadata,
  ExitOptions,
  ExitStatus,
  SuccessPayload,
} from "./types";

/** Checks the config and returns a handle; nothing is fetched or drawn until `open()`. */
export function create(config: ConnectConfig): ConnectHandle {
  // Without baseUrl, Gridlink is assumed to be served on this page's own origin.
  return createHandle(config, typeof location == "undefined" ? undefined : location.origin);
}

/** The same API as the `window.Gridlink` that the connect.js script tag defines. */
export const Gridlink = { create };
