// Gridlink.create(): a handle whose open(), exit() and destroy() are always safe to call.
import { checkConfig } from "./config";
import { type Exit, startSession } from "./session";
import type { ConnectConfig, ConnectHandle } from "./types";

export function createHandle(config: ConnectConfig, defaultBaseUrl: string | undefined): ConnectHandle {
  const checked = checkConfig(config, defaultBaseUrl);
  let session: Exit | undefined;
  let destroyed = false;
  return {
    open() {
      // (On a server, with no document, this throws: open() belongs in event handlers and effects.)
      if (destroyed || session) return;
      session = startSession(config, checked, () => (session = undefined));
    },
    exit(options) {
      session?.(options?.force);
    },
    destroy() {
      destroyed = true;
      session?.(true);
    },
  };
}
