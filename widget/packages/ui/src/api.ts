// The widget API under /connect/api (docs/reference/connect-widget-api.md), same origin.
/** How Connect can connect a utility: `login` (sign in), `green_button` (OAuth at the utility's
 * Data Custodian, in a popup), `file` (upload a Green Button file). */
export type ConnectionMethod = "login" | "green_button" | "file";

export interface Utility {
  id: string;
  name: string;
  logo_url?: string | null;
  commodities: string[];
  /** "password_totp": the sign-in also takes the authenticator app's setup key. */
  sign_in_kinds?: string[];
  forgot_password_url?: string | null;
  status: "active" | "degraded" | "unsupported";
  /** In the order Connect offers them; `["file"]` for a utility no connector serves. */
  connection_methods?: ConnectionMethod[];
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

/** `upload`: update mode for a file credential (a new Green Button file, no sign-in);
 * `green_button`: update mode for a Green Button Connect credential (authorize again). */
export type Step = "consent" | "utility" | "credentials" | "upload" | "green_button" | "mfa_refresh" | "closed";

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

/** What an uploaded file held, per meter (times are ISO 8601 in UTC; null without readings). */
export interface MeterFound {
  meter_id: string;
  number: string;
  commodity: string;
  readings: number;
  new_readings: number;
  statements: number;
  start: string | null;
  end: string | null;
}

export interface FileFound {
  meters: MeterFound[];
  readings: number;
  new_readings: number;
  statements: number;
  start: string | null;
  end: string | null;
  /** What the reader worked around, in the server's words (English). */
  warnings: string[];
}

/** POST /connect/api/files: the file is stored; `complete(attempt_id)` finishes as a sign-in does. */
export interface FileStored {
  attempt_id: string;
  utility_credential_id: string;
  found: FileFound;
}

/** POST /green_button/authorizations: a trip to the utility's Data Custodian, started. */
export interface GreenButtonStarted {
  authorization_id: string;
  /** Where the popup goes: the custodian's authorization page. */
  authorization_url: string;
  expires_at: string;
}

export type AuthorizationStatus = "pending" | "authorized" | "denied" | "expired" | "failed";

/** GET /green_button/authorizations/{id}: how the trip went; once `authorized`, `attempt_id` is
 * an ordinary connection attempt (followed, then completed, as a sign-in's). */
export interface GreenButtonAuthorization {
  authorization_id: string;
  status: AuthorizationStatus;
  attempt_id: string | null;
  /** Why it ended (expired, failed), in the server's words. */
  message: string | null;
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

/** Called as the file's bytes go out: `sent` of `total`. */
export type Progress = (sent: number, total: number) => void;

export class Api {
  token: string | null = null;

  constructor(
    private readonly fetcher: typeof fetch = (...args) => fetch(...args),
    // Uploads go by XMLHttpRequest: fetch() reports no upload progress.
    private readonly newRequest: () => XMLHttpRequest = () => new XMLHttpRequest(),
  ) {}

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
    if (!response.ok) throw errorFrom(response.status, data);
    return data as T;
  }

  /** POST /files: the file as multipart/form-data (field `file`), `progress` as it goes out;
   * `signal` aborts the request (the promise then rejects with the signal's reason). */
  sendFile(file: Blob, name: string, progress: Progress, signal: AbortSignal): Promise<FileStored> {
    return new Promise((resolve, reject) => {
      const request = this.newRequest();
      const form = new FormData();
      form.append("file", file, name);
      request.open("POST", BASE + "/files");
      request.setRequestHeader("Accept", "application/json");
      if (this.token) request.setRequestHeader("Authorization", `Bearer ${this.token}`);
      request.withCredentials = false;
      request.upload.onprogress = (event) => progress(event.loaded, event.lengthComputable ? event.total : file.size);
      request.onload = () => {
        const data = parseJson(request.responseText);
        if (request.status >= 200 && request.status < 300 && data) return resolve(data as unknown as FileStored);
        reject(errorFrom(request.status, data));
      };
      request.onerror = () => reject(new ApiError(0, "network_error", "network", null));
      request.onabort = () => reject(signal.reason);
      if (signal.aborted) return reject(signal.reason);
      signal.addEventListener("abort", () => request.abort(), { once: true });
      request.send(form);
    });
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
  authorize = () => this.call<GreenButtonStarted>("POST", "/green_button/authorizations", {});
  authorization = (id: string, signal?: AbortSignal) =>
    this.call<GreenButtonAuthorization>("GET", `/green_button/authorizations/${encodeURIComponent(id)}`, undefined, signal);
  complete = (id: string) => this.call<Completion>("POST", `/attempts/${encodeURIComponent(id)}/complete`);
}

function parseJson(text: string): Record<string, unknown> | null {
  try {
    const data: unknown = JSON.parse(text);
    return data && typeof data == "object" ? (data as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

/** The API's error body (`{"error": {code, message, request_id}}`) as an ApiError. */
function errorFrom(status: number, data: Record<string, unknown> | null): ApiError {
  const error = (data?.["error"] ?? {}) as { code?: string; message?: string; request_id?: string };
  return new ApiError(status, error.code ?? "internal", error.message ?? "", error.request_id ?? null);
}
