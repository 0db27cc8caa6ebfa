// A scripted dashboard API at the fetch edge (the server is another process), with records
// shaped as docs/reference/dashboard-api.md says, and a recording stand-in for the Connect loader.
import { cleanup, render, screen, waitFor } from "@testing-library/preact";
import type { ConnectConfig, ConnectHandle } from "@gridlink/connect";
import { Api } from "../src/api";
import { App } from "../src/app";
import { loader } from "../src/connect";
import type { Lang } from "../src/i18n";
import type { CredentialDetail, CredentialRow, Role, Session } from "../src/types";

export interface Call {
  method: string;
  path: string;
  query: URLSearchParams;
  body: unknown;
  headers: Record<string, string>;
}

/** An error answer: status, code, and optional headers (Retry-After). */
export class Refusal {
  constructor(readonly status: number, readonly code: string, readonly headers: Record<string, string> = {}) {}
}

export type Handler = (call: Call) => unknown;

export function fakeFetch(handler: Handler): { fetcher: typeof fetch; calls: Call[] } {
  const calls: Call[] = [];
  const fetcher = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const url = new URL(String(input), "http://dash.test");
    const call: Call = {
      method: init?.method ?? "GET",
      path: url.pathname.replace("/dashboard/api", ""),
      query: url.searchParams,
      body: init?.body ? JSON.parse(String(init.body)) : undefined,
      headers: (init?.headers ?? {}) as Record<string, string>,
    };
    calls.push(call);
    const answer = await handler(call);
    if (answer instanceof Refusal) {
      const error = { code: answer.code, message: "refused: " + answer.code, request_id: "req_1" };
      return new Response(JSON.stringify({ error }), { status: answer.status, headers: answer.headers });
    }
    if (answer === undefined) return new Response(null, { status: 204 });
    return new Response(JSON.stringify(answer), { status: 200, headers: { "content-type": "application/json" } });
  };
  return { fetcher: fetcher as typeof fetch, calls };
}

export const session = (role: Role = "support", client_ids: string[] | null = null): Session => ({
  operator: { id: "opr_1", email: "ana@example.com", role, client_ids },
  csrf_token: "csrf-abc",
  idle_expires_at: "2026-12-05T12:30:00Z",
  expires_at: "2026-12-06T00:00:00Z",
});

export const CLIENTS = [
  { id: "cli_a", name: "Acme Energy", environment: "sandbox", allowed_origins: ["https://app.example"], redirect_uris: [], branding: null, created_at: "2026-11-01T10:00:00Z", active_secrets: 1 },
  { id: "cli_b", name: "Bolt Solar", environment: "live", allowed_origins: [], redirect_uris: [], branding: null, created_at: "2026-11-02T10:00:00Z", active_secrets: 2 },
];

export const row = (patch: Partial<CredentialRow> = {}): CredentialRow => ({
  id: "ucr_1",
  client_id: "cli_a",
  client_name: "Acme Energy",
  client_user_id: "user-42",
  utility: { id: "sandbox_electric", name: "Sandbox Power & Light" },
  status: "rejected",
  status_detail: "MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED",
  action_required: true,
  mfa_session_expires_at: "2026-12-01T10:00:00Z",
  last_synced_at: "2026-11-30T10:00:00Z",
  created_at: "2026-11-01T10:00:00Z",
  updated_at: "2026-12-01T10:00:00Z",
  ...patch,
});

export const detail = (patch: Partial<CredentialRow> = {}): CredentialDetail => ({
  credential: {
    ...row(patch),
    verified_at: "2026-11-01T10:01:00Z",
    sync: { state: "stopped", kind: "scheduled", progress: 1, eta: null, last_synced_at: "2026-11-30T10:00:00Z", next_sync_at: null, last_error: null },
  },
  accounts: [{ id: "uac_1", number: "1234-5678", service_address: { line1: "1 Main St", city: "Springfield", state: "IL", postal_code: "62701" }, status: "active" }],
  meters: [{ id: "mtr_1", utility_account_id: "uac_1", number: "M-1", commodity: "electric", service_class: "residential", tariff: null, unit: "kWh" }],
  statements: [{
    id: "stm_1", meter_id: "mtr_1", period_start: "2026-10-01", period_end: "2026-11-01", statement_date: "2026-11-02", due_date: "2026-11-20",
    amount_due: "84.12", total_charges: "84.12", currency: "USD", usage: "512", usage_unit: "kWh", has_pdf: true, pdf_url: "/dashboard/api/statements/stm_1/pdf",
  }],
  usage: { unit: "kWh", days: [{ date: "2026-11-29", value: 12.5 }, { date: "2026-11-30", value: null }, { date: "2026-12-01", value: 18 }] },
  events: [{ id: "evt_1", type: "utility_credential_mfa_refresh_required", created_at: "2026-12-01T10:00:00Z", data: {} }],
  links: [
    { id: "lnk_1", url: null, status: "active", expires_at: "2026-12-04T10:00:00Z", created_at: "2026-12-01T10:00:00Z" },
    { id: "lnk_0", url: null, status: "used", expires_at: "2026-11-04T10:00:00Z", created_at: "2026-11-01T10:00:00Z", used_at: "2026-11-02T10:00:00Z" },
  ],
});

export const OVERVIEW = {
  by_status: [
    { status: "verified", status_detail: null, count: 120 },
    { status: "rejected", status_detail: "MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED", count: 7 },
  ],
  total: 127,
  attention: { mfa_refresh_required: 7, mfa_expiring_soon: 3, revoked: 1, utility_unavailable: 0, syncs_failing: 2, action_required: 8 },
  failing_endpoints: [{ id: "we_1", client_id: "cli_a", url: "https://hooks.example/gridlink", disabled: false, failing_since: "2026-12-01T08:00:00Z", last_status: 500 }],
};

/** Answers the reads every page makes; `extra` answers first (return undefined to fall through). */
export function dashboardServer(role: Role, extra: Handler = () => undefined, clients = CLIENTS): Handler {
  return (call) => {
    const own = extra(call);
    if (own !== undefined) return own;
    const key = `${call.method} ${call.path}`;
    if (key == "GET /session") return session(role);
    if (key == "GET /clients") return { data: clients };
    if (key == "GET /overview") return OVERVIEW;
    if (key == "GET /utilities") return { data: [{ id: "sandbox_electric", name: "Sandbox Power & Light" }, { id: "sandbox_gas", name: "Sandbox Gas Company" }] };
    if (key == "GET /credentials") return { data: [row(), row({ id: "ucr_2", status: "verified", status_detail: null, action_required: false })], next_cursor: "cur_2", total: 2 };
    if (key.startsWith("GET /credentials/")) return detail();
    if (key == "GET /users") return { data: [{ client_id: "cli_a", client_user_id: "user-42", created_at: "2026-11-01T10:00:00Z", credentials: 1 }], next_cursor: null };
    if (key.startsWith("GET /users/")) return { user: { client_id: "cli_a", client_user_id: "user-42", created_at: "2026-11-01T10:00:00Z", credentials: 1 }, credentials: [row()] };
    if (key == "GET /events") return { data: [{ id: "evt_1", client_id: "cli_a", type: "utility_credential_verified", created_at: "2026-12-01T10:00:00Z", utility_credential_id: "ucr_1", data: {} }], next_cursor: null };
    if (key.startsWith("GET /events/")) {
      return {
        event: { id: "evt_1", client_id: "cli_a", type: "utility_credential_verified", created_at: "2026-12-01T10:00:00Z", utility_credential_id: "ucr_1", data: { status: "verified" } },
        deliveries: [{ id: "del_1", endpoint_id: "we_1", url: "https://hooks.example/gridlink", status: "failed", attempts: [{ at: "2026-12-01T10:00:01Z", status_code: 500, latency_ms: 231, error: null }], next_attempt_at: "2026-12-01T10:05:00Z" }],
      };
    }
    if (key == "GET /webhook_endpoints") return { data: [{ id: "we_1", client_id: "cli_a", url: "https://hooks.example/gridlink", enabled_events: null, disabled: false, created_at: "2026-11-01T10:00:00Z", failing_since: "2026-12-01T08:00:00Z" }] };
    if (key == "GET /audit") return { data: [{ id: "aud_1", at: "2026-12-01T10:00:00Z", operator: { id: "opr_1", email: "ana@example.com" }, action: "credential.refresh", target_type: "utility_credential", target_id: "ucr_1", client_id: "cli_a", ip: "203.0.113.9", user_agent: "Mozilla/5.0", detail: null }], next_cursor: null };
    if (key == "GET /operators") return { data: [{ id: "opr_1", email: "ana@example.com", role: "support", client_ids: null, totp: false, disabled_at: null, created_at: "2026-11-01T10:00:00Z" }] };
    throw new Error("unexpected call " + key);
  };
}

/** Mounts the dashboard at `url` against `handler`; resolves once the shell (or sign-in) shows. */
export async function mount(url: string, handler: Handler, lang: Lang = "en") {
  cleanup(); // one dashboard in the page, even when a test mounts twice
  history.replaceState(null, "", url);
  const { fetcher, calls } = fakeFetch(handler);
  const api = new Api(fetcher);
  render(<App api={api} language={lang} />);
  await screen.findByText(/Sign in to the dashboard|ana@example.com/);
  await waitFor(() => {
    if (!document.title) throw new Error("no title yet");
  });
  return { api, calls };
}

export interface Opened {
  config: ConnectConfig;
  opened: number;
}

/** Replaces the Connect loader with a recorder (the far side of connect.ts's seam). */
export function recordConnect(): Opened[] {
  const sessions: Opened[] = [];
  loader.create = (config: ConnectConfig): ConnectHandle => {
    const record = { config, opened: 0 };
    sessions.push(record);
    return { open: () => void record.opened++, exit: () => {}, destroy: () => {} };
  };
  return sessions;
}
