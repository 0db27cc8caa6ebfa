// The host page's part of the modal: a full-viewport dialog holding the Connect frame. From the
// first frame on it draws Connect's loading card — the same size and place as the card the frame
// draws (widget/packages/ui/src/styles.css), with its own close button, so a frame that never
// loads (CSP, network) can still be closed by mouse, keyboard (Esc) and screen reader. The frame
// goes *under* the card (never hidden: browsers stop rendering hidden cross-origin frames) and the
// card is removed once the frame has painted its first screen: a seamless swap.

// [dialog and frame title, close, loading] per language.
const TEXT = {
  en: ["Connect your utility account", "Close", "Loading…"],
  es: ["Conecte su cuenta de servicios públicos", "Cerrar", "Cargando…"],
};

const SVG = "http://www.w3.org/2000/svg";

/** What the frames answer tells the card (all optional: an older server sends none of it). */
export interface Card {
  language?: string | null;
  client?: { name?: string; accent_color?: string | null };
}

// Several overlays may be open at once; the page scrolls again only when the last one closes.
let scrollLocks = 0;
let savedOverflow = "";

export interface Overlay {
  /** The Connect frame, once showFrame() created it. */
  frame(): HTMLIFrameElement | undefined;
  /** The card in the session's language and the client's colours, and the frame under it. */
  showFrame(url: string, card: Card): void;
  /** The frame has painted its first screen: remove the card and move focus into the frame. */
  reveal(): void;
  remove(): void;
}

function element<K extends keyof HTMLElementTagNameMap>(
  parent: Node,
  tag: K,
  css: string,
  attributes: Record<string, string> = {},
  namespace?: string,
): HTMLElementTagNameMap[K] {
  const node = (namespace ? document.createElementNS(namespace, tag) : document.createElement(tag)) as HTMLElementTagNameMap[K];
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
  let text: string[];
  const root = element(body, "div", "position:fixed;inset:0;z-index:2147483647;display:grid;place-items:center;background:#0008", {
    role: "dialog",
    "aria-modal": "true",
  });
  // Phones: the whole screen; else 400 × 640 (less on short screens), as the frame's card.
  const card = element(
    root,
    "div",
    "position:relative;display:grid;place-items:center;background:#fff;" +
      (innerWidth > 480 ? "width:400px;height:min(640px,100vh - 32px);border-radius:16px" : "width:100%;height:100%"),
  );
  // Styles set in full where a host page's own CSS (box-sizing, margins, button padding) would
  // otherwise change them.
  const spinner = element(card, "div", "box-sizing:border-box;width:40px;height:40px;border-radius:50%;border:4px solid #d5dae0;border-top-color:#1f5fbf");
  spinner.animate?.({ transform: ["none", "rotate(1turn)"] }, { duration: 900, iterations: 1 / 0 });
  const status = element(card, "p", "position:absolute;opacity:0", { role: "status" });
  const close = element(card, "button", "position:absolute;top:6px;right:6px;width:44px;height:44px;padding:0;display:grid;place-items:center;border:0;border-radius:50%;background:0;color:#56606b", {
    type: "button",
  });
  // A drawn ×, node by node: no innerHTML (pages that enforce Trusted Types refuse it).
  element(
    element(close, "svg" as "p", "width:24px;fill:none;stroke:currentColor;stroke-width:2;stroke-linecap:round", { viewBox: "0 0 24 24" }, SVG),
    "path" as "p", "", { d: "M6 6l12 12M18 6 6 18" }, SVG,
  );
  close.onclick = dismiss;

  function speak(language?: string | null): void {
    text = TEXT[/^es/i.test(language || navigator.language) ? "es" : "en"];
    root.setAttribute("aria-label", text[0]!);
    close.setAttribute("aria-label", text[1]!);
    status.textContent = text[2]!;
  }
  speak();

  root.onkeydown = (event) => {
    if (event.key == "Escape") {
      event.preventDefault();
      dismiss();
    } else if (event.key == "Tab") {
      // Keep keyboard focus inside the dialog: the close button until the frame is ready.
      event.preventDefault();
      (card.isConnected ? close : iframe)?.focus();
    }
  };
  if (scrollLocks++ == 0) {
    savedOverflow = body.style.overflow;
    body.style.overflow = "hidden";
  }
  close.focus();

  return {
    frame: () => iframe,
    showFrame(url, { language, client }) {
      speak(language);
      if (client?.accent_color) spinner.style.borderTopColor = client.accent_color; // CSSOM: a bad value is ignored
      // No `sandbox`: the frame runs the same server's code as this script, so it would protect
      // nothing, and popups (the utility's forgot-password page) would inherit its limits.
      // color-scheme as the page's own: else Chromium paints a mismatched frame opaque.
      iframe = element(root, "iframe", "position:absolute;inset:0;width:100%;height:100%;border:0;color-scheme:light", {
        title: text[0]!,
        allow: "",
        // Under the card it must not take focus or clicks: the card's close button has them.
        inert: "",
      });
      root.prepend(iframe);
      iframe.src = url;
    },
    reveal() {
      card.remove();
      iframe?.removeAttribute("inert");
      iframe?.focus();
    },
    remove() {
      root.remove();
      if (--scrollLocks == 0) body.style.overflow = savedOverflow;
      // preventScroll: giving focus back must not make the page jump.
      if (previousFocus instanceof HTMLElement && previousFocus.isConnected) previousFocus.focus({ preventScroll: true });
    },
  };
}
