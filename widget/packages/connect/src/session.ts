// One open() of a handle: the overlay, the frame, its messages, and the one onExit that ends it.
import type { CheckedConfig } from "./config";
import { requestFrame } from "./frames";
import { mountOverlay } from "./overlay";
import type { ExitMetadata, ExitStatus, SuccessPayload } from "./types";

/** How long the frame has to answer a host `exit` before the overlay closes anyway. */
export const EXIT_GRACE_MS = 3000;

export interface Session {
  /** Ask the frame to finish; closes at once when forced or when the frame is not ready yet. */
  exit(force: boolean): void;
  /** End now (idempotent): tear everything down, then call onExit once. */
  end(status: ExitStatus, metadata: ExitMetadata): void;
}

type FrameMessage = { source?: unknown; v?: unknown; type?: unknown; [key: string]: unknown };

const asObject = (value: unknown): Record<string, unknown> =>
  value && typeof value == "object" ? (value as Record<string, unknown>) : {};

/** Starts a session; `ended` runs after teardown and before onExit, so onExit may open() again. */
export function startSession(config: CheckedConfig, ended: () => void): Session {
  const frameOrigin = new URL(config.baseUrl).origin;
  const aborter = new AbortController();
  let isOver = false;
  let isReady = false;
  let succeeded = false;
  let exitTimer: ReturnType<typeof setTimeout> | undefined;
  // What the frame's events (and the frames answer) said about the session: an onExit the loader
  // sends itself (destroy() on unmount, a forced exit, a timeout) still carries it.
  const known: Record<string, unknown> = {};
  const learn = (metadata: object) => {
    for (const key of ["session_id", "utility_id", "utility_name"] as const) {
      if (key in metadata) known[key] = (metadata as Record<string, unknown>)[key];
    }
  };
  const overlay = mountOverlay(() => exit(false));
  const loadTimer = setTimeout(() => end("load_error", { error_code: "load_timeout" }), config.loadTimeoutMs);

  function onMessage(event: MessageEvent): void {
    // Exact origin AND the very window of this session's frame: another frame of the same
    // server (a second instance) or any other window cannot drive this session.
    const frame = overlay.frame();
    if (event.origin != frameOrigin || !frame || event.source != frame.contentWindow) return;
    const message = asObject(event.data) as FrameMessage;
    if (message.source !== "gridlink" || message.v !== 1) return;
    if (message.type == "ready" && !isReady) {
      isReady = true;
      clearTimeout(loadTimer);
      overlay.reveal();
      config.onLoad?.();
    } else if (message.type == "event" && typeof message.name == "string") {
      const metadata = asObject(message.metadata);
      learn(metadata);
      config.onEvent?.(message.name, metadata);
    } else if (message.type == "success" && !succeeded) {
      succeeded = true;
      // The payload is the message minus its envelope (source, v, type).
      const { source, v, type, ...payload } = message;
      config.onSuccess(payload as unknown as SuccessPayload);
    } else if (message.type == "exit") {
      end(typeof message.status == "string" ? (message.status as ExitStatus) : "error", asObject(message.metadata));
    }
  }

  function end(status: ExitStatus, metadata: ExitMetadata): void {
    if (isOver) return;
    isOver = true;
    aborter.abort();
    clearTimeout(loadTimer);
    clearTimeout(exitTimer);
    removeEventListener("message", onMessage);
    overlay.remove();
    ended();
    // Once the connection succeeded the session's result is "verified", however it closes.
    config.onExit?.(succeeded ? "verified" : status, { ...known, ...metadata } as ExitMetadata);
  }

  function exit(force: boolean): void {
    const target = overlay.frame()?.contentWindow;
    if (force || !isReady || !target) return end("user_initiated_exit", {});
    if (exitTimer) return;
    target.postMessage({ source: "gridlink-host", v: 1, type: "exit" }, frameOrigin);
    exitTimer = setTimeout(() => end("user_initiated_exit", {}), EXIT_GRACE_MS);
  }

  addEventListener("message", onMessage);
  requestFrame(config.baseUrl, config.connectToken, aborter.signal).then((answer) => {
    if (isOver) return;
    if ("frame" in answer) {
      learn(answer.frame);
      overlay.showFrame(answer.frame.frame_url, answer.frame);
    } else end(answer.status, answer.metadata);
  });
  return { exit, end };
}
