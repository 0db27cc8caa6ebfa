// How the page was opened, read once from its URL — and the secret part removed from the
// address bar before anything else runs (embed protocol §1).
export type PageKind = "frame" | "link";
export type Transport = "loader" | "bare" | "webview" | "none";

export interface Launch {
  page: PageKind;
  /** A frame ticket (glwt_…) or a connect link token (glcl_…), when the URL carried one. */
  ticket: string | null;
  linkToken: string | null;
  transport: Transport;
  /** The session's language, when the frame URL names it (`?lang=`): spoken before the session
   * is traded, e.g. on the first loading card. */
  language: string | null;
}

/** Reads the fragment, then drops it with history.replaceState (no new history entry). */
export function readLaunch(win: Window, page: PageKind): Launch {
  const fragment = new URLSearchParams(win.location.hash.replace(/^#/, ""));
  const query = new URLSearchParams(win.location.search);
  if (win.location.hash) {
    win.history.replaceState(win.history.state, "", win.location.pathname + win.location.search);
  }
  const ticket = page == "frame" ? fragment.get("ticket") : null;
  const linkToken = page == "link" ? fragment.get("token") : null;
  let transport: Transport = "none";
  if (page == "frame") {
    if (query.get("embed") != "bare") transport = "loader";
    else transport = fragment.get("webview") == "1" ? "webview" : "bare";
  }
  return { page, ticket, linkToken, transport, language: query.get("lang") };
}

/** What a reload needs to resume: kept in sessionStorage (never a cookie), per frame. */
export interface Saved {
  token: string;
  transport: Transport;
  hostOrigin: string | null;
}

// sessionStorage is shared by same-origin frames of one tab; window.name survives a reload of
// this frame only, so two Connect frames on one page never resume each other's session.
function storageKey(win: Window, page: PageKind): string {
  if (!win.name.startsWith("gridlink-")) win.name = "gridlink-" + Math.random().toString(36).slice(2);
  return `gridlink.${page}.${win.name}`;
}

export function loadSaved(win: Window, page: PageKind): Saved | null {
  try {
    const raw = win.sessionStorage.getItem(storageKey(win, page));
    const saved = raw ? (JSON.parse(raw) as Partial<Saved>) : null;
    return saved && typeof saved.token == "string"
      ? { token: saved.token, transport: saved.transport ?? "none", hostOrigin: saved.hostOrigin ?? null }
      : null;
  } catch {
    return null; // storage blocked or garbled: start without it
  }
}

export function save(win: Window, page: PageKind, saved: Saved | null): void {
  try {
    const key = storageKey(win, page);
    if (saved) win.sessionStorage.setItem(key, JSON.stringify(saved));
    else win.sessionStorage.removeItem(key);
  } catch {
    // Storage blocked: Connect still works, a reload just cannot resume.
  }
}
