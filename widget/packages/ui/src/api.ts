// The widget API under /connect/api (docs/reference/connect-widget-api.md), same origin.
export interface Utility {
  id: string;
  name: string;
  logo_url?: string | null;
  commodities: string[];
  /** "password_totp": the sign-in also takes the authenticator app's setup key. */
  sign_in_kinds?: string[];
  forgot_password_url?: string | null;
  status: "active" | "degraded" | "unsupported";
  matched_by?: "zip" | "state" | null;
}

export interface MfaOption {
  id: string;
  method: "sms" | "call" | "email";
  destination: string;
}

export interface Account {
  id: string;
  number: string;
  service_address?: Record<string, unknown> | null;
}

export type AttemptStatus =
  | "queued" | "connecting" | "mfa_method" | "mfa_code"
  | "verified" | "rejected" | "timeout" | "error" | "pending" | "cancelled";

export interface Attempt {
  id: string;
  status: AttemptStatus;
  status_detail?: string | null;
  message?: string | null;
  seq: number;
  finished: boolean;
  utility_credential_id: string;
  mfa?: { options: MfaOption[]; selected_option_id?: string | null; attempts_left?: number | null } | null;
  accounts: Account[];
}

/** A sign-in: username and password, with the authenticator key for password_totp utilities
 * (optional in update mode, where the stored one stays); `{}` reuses the stored login. */
export interface SignIn {
  username?: string;
  password?: string;
  totp_secret?: string;
}

export type Step = "consent" | "utility" | "credentials" | "mfa_refresh" | "closed";

export interface SessionView {
  id: string;
  mode: "create" | "update";
  step: Step;
  client: { name: string; logo_url?: string | null; accent_color?: string | null };
  products: string[];
  consent_version: string;
  utility_preselected: boolean;
  language?: string | null;
  utility?: Utility | null;
  utility_credential_id?: string | null;
  attempt?: Attempt | null;
  host_origin?: string | null;
  terms_url?: string | null;
  privacy_url?: string | null;
  /** Connect links only: where "Return to {client}" leads (a registered redirect URI). */
  return_uri?: string | null;
}

export interface Completion {
  utility_credential_id: string;
  client_user_id: string;
  authorization_code: string;
  utility: { id: string; name: string };
  accounts: Account[];
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null,
  ) {
    super(message);
  }
}

const BASE = "/connect/api";

export class Api {
  token: string | null = null;

  constructor(private readonly fetcher: typeof fetch = (...args) => fetch(...args)) {}

  async call<T>(method: "GET" | "POST", path: string, body?: unknown, signal?: AbortSignal): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (this.token) headers["Authorization"] = `Bearer ${this.token}`;
    if (body !== undefined) headers["Content-Type"] = "application/json";
    let response: Response;
    try {
      const init: RequestInit = { method, headers, credentials: "omit", cache: "no-store" };
      if (body !== undefined) init.body = JSON.stringify(body);
      if (signal) init.signal = signal;
      response = await this.fetcher(BASE + path, init);
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ApiError(0, "network_error", "network", null);
    }
    if (response.status == 204) return undefined as T;
    const data = (await response.json().catch(() => null)) as Record<string, unknown> | null;
    if (!response.ok) {
      const error = (data?.["error"] ?? {}) as { code?: string; message?: string; request_id?: string };
      throw new ApiError(response.status, error.code ?? "internal", error.message ?? "", error.request_id ?? null);
    }
    return data as T;
  }

  start(body: { frame_ticket: string } | { connect_link_token: string }) {
    return this.call<{ session_token: string; host_origin?: string | null; session: SessionView }>(
      "POST", "/sessions", body,
    );
  }
  session = () => this.call<SessionView>("GET", "/session");
  consent = (version: string) => this.call<SessionView>("POST", "/session/consent", { consent_version: version });
  utilities = (params: { zip?: string; q?: string }) =>
    this.call<{ data: Utility[] }>("GET", "/utilities?" + new URLSearchParams({ ...params, limit: "50" }));
  chooseUtility = (id: string) => this.call<SessionView>("POST", "/session/utility", { utility_id: id });
  exit = () => this.call<void>("POST", "/session/exit");
  submit = (body: SignIn) => this.call<Attempt>("POST", "/attempts", body);
  follow = (id: string, afterSeq: number, signal: AbortSignal) =>
    this.call<Attempt>("GET", `/attempts/${encodeURIComponent(id)}?after_seq=${afterSeq}&wait=25`, undefined, signal);
  mfaOption = (id: string, optionId: string) =>
    this.call<Attempt>("POST", `/attempts/${encodeURIComponent(id)}/mfa/option`, { option_id: optionId });
  mfaCode = (id: string, code: string) =>
    this.call<Attempt>("POST", `/attempts/${encodeURIComponent(id)}/mfa/code`, { code });
  resend = (id: string) => this.call<Attempt>("POST", `/attempts/${encodeURIComponent(id)}/mfa/resend`);
  cancel = (id: string) => this.call<Attempt>("POST", `/attempts/${encodeURIComponent(id)}/cancel`);
  complete = (id: string) => this.call<Completion>("POST", `/attempts/${encodeURIComponent(id)}/complete`);
}
