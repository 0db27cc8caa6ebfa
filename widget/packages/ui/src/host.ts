// Talking to the page that embeds Connect (docs/reference/embed-protocol.md): messages go to
// exactly the session's host origin; `success` at most once and `exit` exactly once, nothing after.
import type { Completion } from "./api";
import type { Transport } from "./launch";

export type ExitStatus =
  | "verified" | "pending" | "rejected" | "timeout" | "error" | "user_initiated_exit"
  | "token_invalid" | "unavailable_utility_credentials_submitted";

export type Metadata = Record<string, unknown>;

export interface Reporter {
  ready(): void;
  event(name: string, metadata?: Metadata): void;
  success(result: Completion): void;
  /** The one end: `view` is the screen it was closed on (the loader's EXIT event carries it). */
  exit(status: ExitStatus, metadata?: Metadata, view?: string): void;
  /** True once `exit` was sent: the session is over for the host. */
  readonly ended: boolean;
}

export interface HostWindow {
  parent: { postMessage(message: unknown, targetOrigin: string): void };
  location: { assign(url: string): void };
}

const PROTOCOL = { source: "gridlink", v: 1 } as const;

/** `transport` says which messages the host expects; without a host origin nothing is sent. */
export function createReporter(win: HostWindow, transport: Transport, hostOrigin: string | null): Reporter {
  let readySent = false;
  let succeeded = false;
  let ended = false;

  function send(type: string, payload: Metadata): void {
    if (ended || transport == "none" || !hostOrigin) return;
    if (transport == "webview") {
      // A native webview has no parent window: it watches for navigations to this scheme.
      const event = type.replace(/^gridlink:/, "");
      win.location.assign(`gridlinkconnect://${event}?${encodeURIComponent(JSON.stringify(payload))}`);
      return;
    }
    win.parent.postMessage({ ...PROTOCOL, type, ...payload }, hostOrigin);
  }

  // Bare iframes (and webviews) get two message types: gridlink:connected and gridlink:status.
  const bare = transport == "bare" || transport == "webview";
  const status = (event: string, metadata: Metadata) => send("gridlink:status", { event, metadata });

  return {
    get ended() {
      return ended;
    },
    ready() {
      if (readySent) return;
      readySent = true;
      if (bare) status("READY", {});
      else send("ready", {});
    },
    event(name, metadata = {}) {
      if (bare) status(name, metadata);
      else send("event", { name, metadata });
    },
    success(result) {
      if (succeeded) return;
      succeeded = true;
      if (bare) {
        send("gridlink:connected", {
          utility_credential_id: result.utility_credential_id,
          client_user_id: result.client_user_id,
          utility_id: result.utility.id,
          authorization_code: result.authorization_code,
        });
      } else {
        const { utility_credential_id, authorization_code, utility, accounts } = result;
        send("success", { utility_credential_id, authorization_code, utility, accounts });
      }
    },
    exit(exitStatus, metadata = {}, view) {
      if (ended) return;
      // Once the connection succeeded the session's result is "verified", however it closes.
      const final = succeeded ? "verified" : exitStatus;
      const where = view ? { view } : {};
      // Bare iframes and webviews: the exit IS the EXIT status event, sent once with its status.
      if (bare) status("EXIT", { ...metadata, ...where, status: final });
      else {
        send("event", { name: "EXIT", metadata: where });
        send("exit", { status: final, metadata });
      }
      ended = true;
    },
  };
}

/** Host → frame: only `exit`, only from the host origin and the parent window. */
export function listenToHost(
  win: Window,
  hostOrigin: string | null,
  onExit: () => void,
): () => void {
  function onMessage(event: MessageEvent): void {
    if (!hostOrigin || event.origin !== hostOrigin || event.source !== win.parent || win.parent === win) return;
    const data = event.data as { source?: unknown; v?: unknown; type?: unknown } | null;
    if (data && data.source === "gridlink-host" && data.v === 1 && data.type === "exit") onExit();
  }
  win.addEventListener("message", onMessage);
  return () => win.removeEventListener("message", onMessage);
}
