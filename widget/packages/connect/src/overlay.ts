// The host page's part of the modal: a full-viewport dialog that holds the Connect frame. Until the
// frame says it is ready the overlay shows its own status and close button, so a frame that never
// loads (CSP, network) can still be closed by mouse, keyboard (Esc) and screen reader.
const TITLE = "Connect your utility account";

// Several overlays may be open at once; the page scrolls again only when the last one closes.
let scrollLocks = 0;
let savedOverflow = "";

export interface Overlay {
  /** The Connect frame, once showFrame() created it. */
  frame(): HTMLIFrameElement | undefined;
  showFrame(url: string): void;
  /** The frame is interactive: reveal it and move focus into it. */
  reveal(): void;
  remove(): void;
}

function element<K extends keyof HTMLElementTagNameMap>(
  parent: Node,
  tag: K,
  css: string,
  attributes: Record<string, string>,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  // CSSOM, not a style attribute: allowed by a strict CSP without 'unsafe-inline'.
  node.style.cssText = css;
  for (const name in attributes) node.setAttribute(name, attributes[name]!);
  return parent.appendChild(node);
}

/** Mounts the overlay; `dismiss` runs on Esc or the close button (the host side's way out). */
export function mountOverlay(dismiss: () => void): Overlay {
  const { body } = document;
  const previousFocus = document.activeElement;
  let iframe: HTMLIFrameElement | undefined;
  const root = element(body, "div", "position:fixed;inset:0;z-index:2147483647;display:grid;place-items:center;background:#0008", {
    role: "dialog",
    "aria-modal": "true",
    "aria-label": TITLE,
  });
  const status = element(root, "p", "color:#fff;font:16px sans-serif", { role: "status" });
  status.textContent = "Loading…";
  const close = element(
    root,
    "button",
    "position:absolute;top:0;right:0;width:48px;height:48px;color:#fff;font:32px sans-serif;background:0;border:0",
    { type: "button", "aria-label": "Close" },
  );
  close.textContent = "×";
  close.onclick = dismiss;
  root.onkeydown = (event) => {
    if (event.key == "Escape") {
      event.preventDefault();
      dismiss();
    } else if (event.key == "Tab") {
      // Keep keyboard focus inside the dialog: the close button until the frame is ready.
      event.preventDefault();
      (iframe && !iframe.style.visibility ? iframe : close).focus();
    }
  };
  if (scrollLocks++ == 0) {
    savedOverflow = body.style.overflow;
    body.style.overflow = "hidden";
  }
  close.focus();

  return {
    frame: () => iframe,
    showFrame(url) {
      // No `sandbox`: the frame runs the same server's code as this script, so it would protect
      // nothing, and popups (the utility's forgot-password page) would inherit its limits.
      iframe = element(root, "iframe", "position:absolute;inset:0;width:100%;height:100%;border:0;visibility:hidden", {
        title: TITLE,
        allow: "",
      });
      iframe.src = url;
    },
    reveal() {
      status.remove();
      close.remove();
      if (iframe) {
        iframe.style.visibility = "";
        iframe.focus();
      }
    },
    remove() {
      root.remove();
      if (--scrollLocks == 0) body.style.overflow = savedOverflow;
      // preventScroll: giving focus back must not make the page jump.
      if (previousFocus instanceof HTMLElement && previousFocus.isConnected) previousFocus.focus({ preventScroll: true });
    },
  };
}
