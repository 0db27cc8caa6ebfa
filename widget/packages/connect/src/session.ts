// One open() of a handle: the overlay with Connect's loading card, the frame, its messages, and
// the one onExit that ends it.
//
// The overlay is a full-viewport dialog. From the first frame on it draws Connect's loading card —
// the same size and place as the card the frame draws (widget/packages/ui/src/styles.css), with
// its own close button, so a frame that never loads (CSP, network) can still be closed by mouse,
// keyboard (Esc) and screen reader. The frame goes *under* the card (never hidden: browsers stop
// rendering hidden cross-origin frames) and the card is removed once the frame has painted its
// first screen: a seamless swap.
import type { Checked } from "./config";
import { requestFrame } from "./frames";
import type { ConnectConfig, ExitMetadata, ExitStatus, SuccessPayload } from "./types";

/** How long the frame has to answer a host `exit` before the overlay closes anyway. */
export const EXIT_GRACE_MS = 3000;

/**
 * Ask the frame to finish; closes at once when forced or when the frame is not ready yet. A forced
 * exit (destroy()) tears everything down and calls onExit once, with `user_initiated_exit`.
 */
export type Exit = (force?: boolean) => void;

type FrameMessage = { source?: unknown; v?: unknown; type?: unknown; [key: string]: unknown };

// Several overlays may be open at once; the page scrolls again only when the last one closes.
let scrollLocks = 0;
let savedOverflow = "";

function element<K extends keyof HTMLElementTagNameMap>(
  parent: Node,
  tag: K,
  css: string,
  attributes?: Record<string, string>,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  // CSSOM, not a style attribute: allowed by a strict CSP without 'unsafe-inline'. (The callers'
  // declarations are in the order that gzips smallest: no two set the same property, except a
  // longhand after its shorthand, border-top-color after border, so the order changes nothing.)
  node.style.cssText = css;
  // (for…in over undefined runs no step.)
  for (const name in attributes) node.setAttribute(name, attributes[name]!);
  return parent.appendChild(node);
}

/** Starts a session; `ended` runs after teardown and before onExit, so onExit may open() again. */
export function startSession(config: ConnectConfig, [connectToken, baseUrl, frameOrigin, loadTimeoutMs]: Checked, ended: () => void): Exit {
  const aborter = new AbortController();
  const { body } = document;
  const previousFocus = document.activeElement as HTMLElement | null;
  let isOver = false;
  let isReady = false;
  let succeeded = false;
  let exitTimer: ReturnType<typeof setTimeout> | undefined;
  let iframe: HTMLIFrameElement | undefined;
  // What the frame's events (and the frames answer) said about the session: an onExit the loader
  // sends itself (destroy() on unmount, a forced exit, a timeout) still carries it.
  const known: Record<string, unknown> = {};
  const learn = (metadata: object) => {
    for (const key of ["session_id", "utility_id", "utility_name"] as const) {
      if (key in metadata) known[key] = (metadata as Record<string, unknown>)[key];
    }
  };

  // Names that are the same in every language, until the server's answer brings the card's labels
  // in the session's language (an older server sends none).
  const root = element(body, "div", "position:fixed;z-index:2147483647;display:grid;place-items:center;background:#0008;inset:0", {
    role: "dialog",
    "aria-modal": "true",
    "aria-label": "Gridlink",
  });
  // Phones: the whole screen; else 400 × 640 (less on short screens), as the frame's card.
  const card = element(
    root,
    "div",
    "position:relative;display:grid;place-items:center;background:#fff;" +
      (innerWidth > 480 ? "width:400px;height:min(640px,100vh - 32px);border-radius:16px" : "width:100%;height:100%"),
  );
  // Sized by its padding and border alone: 40 px whatever box-sizing the host page sets.
  const spinner = element(card, "div", "padding:16px;border:4px solid #d5dae0;border-top-color:#1f5fbf;border-radius:50%");
  spinner.animate?.({ rotate: "1turn" }, { duration: 900, iterations: 1 / 0 });
  const status = element(card, "p", "position:absolute;opacity:0", { role: "status" });
  // Styles set in full where a host page's own CSS (margins, button padding) would change them.
  // (No type="button": outside any form, a button submits nothing.)
  const close = element(card, "button", "position:absolute;top:6px;right:6px;width:44px;height:44px;padding:0;display:grid;place-items:center;background:0;border:0;color:#56606b;border-radius:50%", {
    "aria-label": "×",
  });
  // A drawn ×, the frame's close icon (its 24 px SVG path "M6 6l12 12M18 6 6 18", 2 px round-capped
  // strokes) in two crossed borders: the same size and colour, no SVG nodes to build. Borders, not
  // backgrounds, so that forced colours (Windows high contrast) keep them.
  element(close, "i", "grid-area:1/1;height:19px;border-left:2px solid;border-radius:1px;rotate:45deg");
  element(close, "i", "grid-area:1/1;height:19px;border-left:2px solid;border-radius:1px;rotate:-45deg");
  close.onclick = () => exit();

  root.onkeydown = (event) => {
    if (event.key == "Escape") {
      event.preventDefault();
      exit();
    } else if (event.key == "Tab") {
      // Keep keyboard focus inside the dialog: the close button until the frame is ready.
      event.preventDefault();
      (isReady ? iframe : close)?.focus();
    }
  };
  if (scrollLocks++ == 0) {
    savedOverflow = body.style.overflow;
    body.style.overflow = "hidden";
  }
  close.focus();

  const loadTimer = setTimeout(() => end("load_error", { error_code: "load_timeout" }), loadTimeoutMs);

  function onMessage(event: MessageEvent): void {
    // Exact origin AND the very window of this session's frame: another frame of the same
    // server (a second instance) or any other window cannot drive this session.
    if (event.origin != frameOrigin || !iframe || event.source != iframe.contentWindow) return;
    // Object(): the value itself when it is an object, a new {} for null or undefined. (A primitive
    // comes back wrapped, with no fields: a message that is one is ignored.) `rest` is the message
    // minus its envelope (source, v, type): on success, the payload.
    const { source, v, type, ...rest }: FrameMessage = Object(event.data);
    if (source !== "gridlink" || v !== 1) return;
    const metadata = Object(rest.metadata);
    if (type == "ready" && !isReady) {
      isReady = true;
      clearTimeout(loadTimer);
      // The frame has painted its first screen: remove the card and move focus into the frame.
      card.remove();
      iframe.removeAttribute("inert");
      iframe.focus();
      config.onLoad?.();
    } else if (type == "event" && typeof rest.name == "string") {
      learn(metadata);
      config.onEvent?.(rest.name, metadata);
    } else if (type == "success" && !succeeded) {
      succeeded = true;
      config.onSuccess(rest as unknown as SuccessPayload);
    } else if (type == "exit") {
      end(typeof rest.status == "string" ? (rest.status as ExitStatus) : "error", metadata);
    }
  }

  function end(status: ExitStatus, metadata: ExitMetadata): void {
    if (isOver) return;
    isOver = true;
    aborter.abort();
    clearTimeout(loadTimer);
    clearTimeout(exitTimer);
    removeEventListener("message", onMessage);
    root.remove();
    if (--scrollLocks == 0) body.style.overflow = savedOverflow;
    // preventScroll: giving focus back must not make the page jump. (An element no longer in the
    // page, or one that cannot take focus, ignores it.)
    previousFocus?.focus?.({ preventScroll: true });
    ended();
    // Once the connection succeeded the session's result is "verified", however it closes.
    config.onExit?.(succeeded ? "verified" : status, { ...known, ...metadata } as ExitMetadata);
  }

  function exit(force?: boolean): void {
    if (force || !isReady) return end("user_initiated_exit", {});
    if (exitTimer) return;
    // (A frame the host page removed cannot answer: the grace period ends the session.)
    iframe?.contentWindow?.postMessage({ source: "gridlink-host", v: 1, type: "exit" }, frameOrigin);
    exitTimer = setTimeout(() => end("user_initiated_exit", {}), EXIT_GRACE_MS);
  }

  addEventListener("message", onMessage);
  requestFrame(baseUrl, frameOrigin, connectToken, aborter.signal, end).then((frame) => {
    if (isOver || !frame) return;
    learn(frame);
    // The card in the session's language and the client's colours, and the frame under it.
    const labels = frame.labels;
    if (labels) {
      root.setAttribute("aria-label", labels.title);
      close.setAttribute("aria-label", labels.close);
      status.textContent = labels.loading;
    }
    const accent = frame.client?.accent_color;
    if (accent) spinner.style.borderTopColor = accent; // CSSOM: a bad value is ignored
    // No `sandbox`: the frame runs the same server's code as this script, so it would protect
    // nothing, and popups (the utility's forgot-password page) would inherit its limits.
    // color-scheme as the page's own: else Chromium paints a mismatched frame opaque.
    iframe = element(root, "iframe", "position:absolute;width:100%;height:100%;border:0;color-scheme:light;inset:0", {
      title: root.getAttribute("aria-label")!,
      // Under the card it must not take focus or clicks: the card's close button has them.
      inert: "",
    });
    root.prepend(iframe);
    iframe.src = frame.frame_url;
  });
  return exit;
}
