// The dashboard's one door to its JSON API (docs/reference/dashboard-api.md). It carries the
// session's CSRF token on every change, turns every error answer into an ApiError named by its
// `code`, and tells the app when the session is gone (401 session_expired/unauthorized) so it
// can ask the operator to sign in again.
import type { Session } from "./types";

export const API_BASE = "/dashboard/api";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly requestId: string | null = null,
    /** Seconds to wait before trying again (rate_limited, from Retry-After). */
    readonly retryAfter: number | null = null,
  ) {
    super(message);
    this.name = "ApiError";
  }
}

/** Codes that mean "this session is over": the app returns to sign-in. */
const SIGNED_OUT = new Set(["session_expired", "unauthorized"]);

export type Query = Record<string, string | number | boolean | null | undefined>;

export function withQuery(path: string, query: Query = {}): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== null && value !== undefined && value !== "") params.set(key, String(value));
  }
  const text = params.toString();
  return text ? `${path}?${text}` : path;
}

export class Api {
  csrfToken: string | null = null;
  /** Called once per answer that says the session is over (not for the sign-in call itself). */
  onSignedOut: (code: string) => void = () => {};

  constructor(private readonly fetcher: typeof fetch = (...args) => fetch(...args)) {}

  async request<T>(method: string, path: string, options: { query?: Query; body?: unknown } = {}): Promise<T> {
    const headers: Record<string, string> = { Accept: "application/json" };
    if (options.body !== undefined) headers["Content-Type"] = "application/json";
    if (method != "GET" && method != "HEAD" && this.csrfToken) headers["X-CSRF-Token"] = this.csrfToken;
    let response: Response;
    try {
      response = await this.fetcher(API_BASE + withQuery(path, options.query), {
        method,
        headers,
        credentials: "same-origin",
        ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
      });
    } catch {
      throw new ApiError(0, "network_error", "");
    }
    if (response.status == 204 || response.status == 202) return undefined as T;
    const payload: unknown = await response.json().catch(() => null);
    if (response.ok) return payload as T;
    const error = (payload as { error?: { code?: string; message?: string; request_id?: string } } | null)?.error;
    const retry = Number(response.headers.get("Retry-After"));
    const failure = new ApiError(
      response.status,
      error?.code ?? "http_" + response.status,
      error?.message ?? "",
      error?.request_id ?? null,
      Number.isFinite(retry) && retry > 0 ? retry : null,
    );
    if (response.status == 401 && SIGNED_OUT.has(failure.code) && path != "/session") this.onSignedOut(failure.code);
    throw failure;
  }

  get<T>(path: string, query?: Query): Promise<T> {
    return this.request<T>("GET", path, query ? { query } : {});
  }
  post<T>(path: string, body?: unknown): Promise<T> {
    return this.request<T>("POST", path, body === undefined ? {} : { body });
  }
  patch<T>(path: string, body: unknown): Promise<T> {
    return this.request<T>("PATCH", path, { body });
  }
  delete(path: string): Promise<void> {
    return this.request<void>("DELETE", path);
  }

  // Sessions: the CSRF token travels with the session object and is kept here.
  async signIn(body: { email: string; password: string; totp_code?: string }): Promise<Session> {
    return this.keep(await this.request<Session>("POST", "/session", { body }));
  }
  async restore(): Promise<Session> {
    return this.keep(await this.request<Session>("GET", "/session"));
  }
  async signOut(): Promise<void> {
    try {
      await this.request<void>("DELETE", "/session");
    } finally {
      this.csrfToken = null;
    }
  }
  private keep(session: Session): Session {
    this.csrfToken = session.csrf_token;
    return session;
  }
}

/** A path segment from a value (ids and client_user_ids may hold any character). */
export const seg = (value: string): string => encodeURIComponent(value);
