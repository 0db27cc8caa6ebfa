// The public types of @gridlink/connect. They mirror docs/reference/embed-protocol.md (protocol v1).

/** How a Connect session ended; `onExit` receives exactly one per `open()`. */
export type ExitStatus =
  | "verified"
  | "pending"
  | "rejected"
  | "timeout"
  | "error"
  | "user_initiated_exit"
  | "token_invalid"
  | "unavailable_utility_credentials_submitted"
  | "load_error";

/** What is known about the session when it ends; every field may be missing. */
export interface ExitMetadata {
  session_id?: string;
  utility_id?: string;
  utility_name?: string;
  status_detail?: string;
  request_id?: string;
  /** Why the session could not start (load_error, token_invalid): e.g. "network_error", "load_timeout". */
  error_code?: string;
  /** The server's explanation, when it answered with an error. */
  error_message?: string;
  [key: string]: unknown;
}

/** Stable event names. New names may be added; existing ones never change meaning. */
export type EventName =
  | "OPEN"
  | "TRANSITION_VIEW"
  | "SELECT_UTILITY"
  | "SEARCH_UTILITY"
  | "SUBMIT_CREDENTIALS"
  | "CONNECTING"
  | "MFA_REQUIRED"
  | "SELECT_MFA_METHOD"
  | "SUBMIT_MFA"
  | "MFA_CODE_INVALID"
  | "VERIFIED"
  | "PENDING"
  | "ERROR"
  | "EXIT"
  // Names added by a newer server still type-check; the ones above keep autocompletion.
  | (string & {});

/** Event details, e.g. `{view}` for TRANSITION_VIEW or `{attempts_left}` for MFA_CODE_INVALID. */
export type EventMetadata = Record<string, unknown>;

/** What `onSuccess` receives: exchange `authorization_code` on your backend (POST /v1/auth/exchange). */
export interface SuccessPayload {
  utility_credential_id: string;
  authorization_code: string;
  utility: { id: string; name: string };
  accounts: unknown[];
}

/**
 * What `create()` takes. It checks and reads `connectToken`, `baseUrl` and `loadTimeoutMs` once;
 * the callbacks are read from this object each time they are called, so changing them later takes
 * effect (the React hook relies on it).
 */
export interface ConnectConfig {
  /** A connect token (`glct_…`) your backend made with POST /v1/auth/connect_token. */
  connectToken: string;
  /** The connection succeeded; called at most once per `open()`, always before `onExit("verified")`. */
  onSuccess: (result: SuccessPayload) => void;
  /** The session ended (the overlay is already gone); called exactly once per `open()`. */
  onExit?: (status: ExitStatus, metadata: ExitMetadata) => void;
  /** Progress through the flow, for analytics. */
  onEvent?: (name: EventName, metadata: EventMetadata) => void;
  /** The Connect frame is loaded and interactive; called once per `open()`. */
  onLoad?: () => void;
  /**
   * Address of your Gridlink server, e.g. `https://connect.example.com`. Defaults to where
   * `connect.js` was loaded from (script tag), else the page's own origin.
   */
  baseUrl?: string;
  /** How long the frame may take to become ready before the session ends with `load_error`. */
  loadTimeoutMs?: number;
}

export interface ExitOptions {
  /** Close at once instead of asking the frame to finish (it may be mid-connection). */
  force?: boolean;
}

export interface ConnectHandle {
  /** Open the Connect overlay. Ignored while it is open, and after `destroy()`. */
  open(): void;
  /** Ask the frame to close; `onExit` follows (with `user_initiated_exit` unless a result was reached). */
  exit(options?: ExitOptions): void;
  /** Remove everything this handle added to the page; `onExit` fires if a session was open. Safe to call anytime. */
  destroy(): void;
}
