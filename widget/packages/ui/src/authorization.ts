// Green Button Connect My Data: the end user signs in on the utility's own website (its Data
// Custodian) in a popup and approves sharing; no password reaches Gridlink. Who does what:
// - the controller opens the popup in the click's own task (popup blockers allow no other), asks
//   the server for an authorization (POST /green_button/authorizations), sends the popup to its
//   URL and starts one `Authorization` here;
// - the custodian sends the end user to Gridlink's callback page (this page's origin), which
//   records the answer on the server, posts {type: "gridlink:green_button", authorization_id} to
//   its opener and closes itself;
// - this module polls GET /green_button/authorizations/{id} every second while it is pending. The
//   callback's message only hurries the next poll: the opener may be cut (COOP, a link opened
//   without one), so the poll is what counts. Once `authorized`, the attempt it names goes back
//   to the controller, which follows it as it follows a sign-in's.
// Every timer, request, listener and the popup end in `stop()`: the controller calls it on
// Cancel, Back, Close and when the page goes.
import { ApiError, type Api, type GreenButtonAuthorization } from "./api";
import type { AuthorizationEnd } from "./flow";

/** The popup: what this page may still do with it (a cut opener reads it as closed). */
export interface Popup {
  readonly closed: boolean;
  location: { href: string };
  focus(): void;
  close(): void;
}

/** The page's window, as this module uses it (a fake in the tests). */
export interface Opener {
  open(url: string, target: string, features: string): Popup | null;
  readonly location: { readonly origin: string };
  addEventListener(type: "message", listener: (event: MessageEvent) => void): void;
  removeEventListener(type: "message", listener: (event: MessageEvent) => void): void;
}

export const POPUP_NAME = "gridlink_green_button";
export const POPUP_FEATURES = "popup,width=520,height=720";
export const POLL_MS = 1000;
export const MESSAGE_TYPE = "gridlink:green_button";

/** Runs `callback` after `ms`; returns what cancels it (the tests' clock stands in). */
export type Timer = (callback: () => void, ms: number) => () => void;

export const realTimer: Timer = (callback, ms) => {
  const id = setTimeout(callback, ms);
  return () => clearTimeout(id);
};

export interface AuthorizationEvents {
  /** The popup was found closed before a poll, and that poll still said pending. */
  windowClosed(): void;
  /** Shared: `attemptId` is the connection attempt that fetches the data. */
  authorized(attemptId: string): void;
  /** Ended without sharing, with the server's words for it. */
  ended(end: AuthorizationEnd, message: string | null): void;
  /** The session is gone (401). */
  lost(error: ApiError): void;
}

/** One trip to the utility's website, followed until it ends or `stop()`. */
export class Authorization {
  private cancelTimer: (() => void) | null = null;
  private request: AbortController | null = null;
  private again = false; // a poll was asked for while one was out
  private failures = 0;
  private stopped = false;
  private closedSeen = false;

  constructor(
    private readonly api: Api,
    private readonly opener: Opener | null, // none: no window, no message, polling only
    readonly id: string,
    readonly url: string,
    private popup: Popup | null,
    private readonly events: AuthorizationEvents,
    private readonly timer: Timer = realTimer,
  ) {
    opener?.addEventListener("message", this.heard);
    this.later(POLL_MS);
  }

  /** "Reopen the {utility} window": the open one comes to the front; a closed one (or none) is
   * opened again at the authorization's URL. False when no window could be opened. */
  reopen(): boolean {
    this.closedSeen = false;
    if (this.popup && !this.popup.closed) {
      this.popup.focus();
      return true;
    }
    this.popup = this.opener?.open(this.url, POPUP_NAME, POPUP_FEATURES) ?? null;
    return this.popup != null;
  }

  /** Stop for good: no timer, no request, no listener, and the popup closed. */
  stop(): void {
    this.stopped = true;
    this.clearTimer();
    this.request?.abort();
    this.request = null;
    this.opener?.removeEventListener("message", this.heard);
    if (this.popup && !this.popup.closed) this.popup.close();
    this.popup = null;
  }

  /** The callback page's word, from this page's own origin and for this trip only. */
  private readonly heard = (event: MessageEvent): void => {
    if (!this.opener || event.origin !== this.opener.location.origin) return;
    const data: unknown = event.data;
    if (!data || typeof data != "object") return;
    const { type, authorization_id } = data as { type?: unknown; authorization_id?: unknown };
    if (type === MESSAGE_TYPE && authorization_id === this.id) void this.poll();
  };

  private later(ms: number): void {
    this.clearTimer();
    this.cancelTimer = this.timer(() => {
      this.cancelTimer = null;
      void this.poll();
    }, ms);
  }

  private clearTimer(): void {
    this.cancelTimer?.();
    this.cancelTimer = null;
  }

  /** One GET at a time; one asked for while another is out follows it at once. */
  async poll(): Promise<void> {
    if (this.stopped) return;
    if (this.request) {
      this.again = true;
      return;
    }
    this.clearTimer();
    // Seen closed before this poll went out: if the poll still says pending, the end user closed
    // the window before finishing (the callback page closes it only once the answer is recorded).
    const closedBefore = this.popup?.closed ?? false;
    const request = new AbortController();
    this.request = request;
    let view: GreenButtonAuthorization;
    try {
      view = await this.api.authorization(this.id, request.signal);
    } catch (error) {
      if (request.signal.aborted) return;
      this.request = null;
      if (error instanceof ApiError && error.status == 401) {
        this.stop();
        return this.events.lost(error);
      }
      if (error instanceof ApiError && error.status == 404) {
        this.stop();
        return this.events.ended("failed", null);
      }
      this.failures += 1; // network trouble: back off (2 s, 4 s … 30 s), never a tight loop
      return this.later(Math.min(30_000, POLL_MS * 2 ** this.failures));
    }
    this.request = null;
    this.failures = 0;
    if (this.stopped) return;
    if (view.status == "authorized" && view.attempt_id) {
      this.stop();
      return this.events.authorized(view.attempt_id);
    }
    if (view.status == "denied" || view.status == "expired" || view.status == "failed") {
      this.stop();
      return this.events.ended(view.status, view.message);
    }
    // Still pending. A window seen closed is said once; polling goes on, since a cut opener
    // reads as closed while the end user may still finish there.
    if (closedBefore && !this.closedSeen) {
      this.closedSeen = true;
      this.events.windowClosed();
    }
    if (this.again) {
      this.again = false;
      return this.poll();
    }
    this.later(POLL_MS);
  }
}
