// A small router on the History API. The address bar is the state: a page's filters, sort and
// cursor live in its query string, so a view can be shared, reloaded, and walked with back/forward.
import { useEffect, useState } from "preact/hooks";

export const BASE = "/dashboard";

export interface Location {
  /** The path under /dashboard, starting with "/" ("/" for the overview). */
  path: string;
  query: URLSearchParams;
}

type Listener = () => void;
const listeners = new Set<Listener>();
let listening = false;

export function currentLocation(win: Window = window): Location {
  const raw = win.location.pathname;
  const under = raw == BASE || raw.startsWith(BASE + "/") ? raw.slice(BASE.length) : raw;
  return { path: under.replace(/\/+$/, "") || "/", query: new URLSearchParams(win.location.search) };
}

/** The address of `path` (under /dashboard) with `query`'s non-empty values. */
export function href(path: string, query: Record<string, string | null | undefined> | URLSearchParams = {}): string {
  const params = query instanceof URLSearchParams ? new URLSearchParams(query) : new URLSearchParams();
  if (!(query instanceof URLSearchParams)) {
    for (const [key, value] of Object.entries(query)) if (value) params.set(key, value);
  }
  for (const [key, value] of [...params]) if (!value) params.delete(key);
  const text = params.toString();
  return BASE + (path == "/" ? "/" : path) + (text ? "?" + text : "");
}

/** The full address (path + query) the page shows now, to come back to after signing in again. */
export function here(win: Window = window): string {
  return win.location.pathname + win.location.search;
}

export function navigate(to: string, options: { replace?: boolean } = {}): void {
  if (to == here()) return;
  if (options.replace) history.replaceState(null, "", to);
  else history.pushState(null, "", to);
  notify();
}

/** The current query with `changes` applied (null or "" removes a key); drops the cursor. */
export function withChanges(query: URLSearchParams, changes: Record<string, string | null>): URLSearchParams {
  const next = new URLSearchParams(query);
  for (const [key, value] of Object.entries(changes)) {
    if (value) next.set(key, value);
    else next.delete(key);
  }
  if (!("after" in changes)) next.delete("after");
  return next;
}

function notify(): void {
  for (const listener of [...listeners]) listener();
}

/** Re-renders on every navigation (pushState here, or back/forward). */
export function useLocation(): Location {
  const [location, setLocation] = useState(currentLocation);
  useEffect(() => {
    if (!listening) {
      window.addEventListener("popstate", notify);
      listening = true;
    }
    const listener = () => setLocation(currentLocation());
    listeners.add(listener);
    listener(); // the address may have changed between render and effect
    return () => {
      listeners.delete(listener);
      if (listeners.size == 0) {
        window.removeEventListener("popstate", notify);
        listening = false;
      }
    };
  }, []);
  return location;
}

/** A left click without modifiers on an in-app link navigates without a page load. */
export function onLinkClick(event: MouseEvent): void {
  const anchor = (event.target as Element | null)?.closest?.("a");
  if (!anchor || event.defaultPrevented || event.button != 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  if (anchor.target || anchor.hasAttribute("download") || anchor.origin != location.origin) return;
  if (anchor.pathname != BASE && !anchor.pathname.startsWith(BASE + "/")) return;
  if (anchor.pathname.startsWith(BASE + "/api/")) return; // PDFs and other files
  event.preventDefault();
  navigate(anchor.pathname + anchor.search);
}

/** `pattern` like "/credentials/:id" against `path`: the named parts, or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const want = pattern.split("/");
  const got = path.split("/");
  if (want.length != got.length) return null;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const part = want[i]!;
    if (part.startsWith(":")) params[part.slice(1)] = decodeURIComponent(got[i]!);
    else if (part != got[i]) return null;
  }
  return params;
}

/**
 * A text field's draft of query value `key`: edited freely, applied on submit, and reset to the
 * address's value whenever that changes (back/forward, a removed chip).
 */
export function useQueryDraft(query: URLSearchParams, key: string): [string, (value: string) => void] {
  const applied = query.get(key) ?? "";
  const [draft, setDraft] = useState(applied);
  useEffect(() => setDraft(applied), [applied]);
  return [draft, setDraft];
}
