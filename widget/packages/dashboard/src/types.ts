// The shapes of docs/reference/dashboard-api.md, as the dashboard reads them.
export type Role = "viewer" | "support" | "admin";
export type CredentialStatus = "pending" | "verified" | "rejected" | "timeout" | "error";

export interface Operator {
  id: string;
  email: string;
  role: Role;
  client_ids: string[] | null;
}

export interface Session {
  operator: Operator;
  csrf_token: string;
  idle_expires_at: string;
  expires_at: string;
}

export interface Branding {
  logo_url?: string | null;
  accent_color?: string | null;
}

export interface Client {
  id: string;
  name: string;
  environment: string;
  allowed_origins: string[];
  redirect_uris: string[];
  branding: Branding | null;
  created_at: string;
  active_secrets: number;
}

export interface Page<T> {
  data: T[];
  next_cursor?: string | null;
  total?: number;
}

export interface CredentialRow {
  id: string;
  client_id: string;
  client_name: string;
  client_user_id: string;
  utility: { id: string; name: string };
  status: CredentialStatus;
  status_detail: string | null;
  action_required: boolean;
  mfa_session_expires_at: string | null;
  last_synced_at: string | null;
  created_at: string;
  updated_at: string;
}

export interface Sync {
  state: "scheduled" | "running" | "retrying" | "stopped";
  kind: string;
  progress: number;
  eta: string | null;
  last_synced_at: string | null;
  next_sync_at: string | null;
  last_error: string | null;
}

// As in /v1 (src/gridlink/data/schemas.py): the fields the dashboard shows.
export interface Account {
  id: string;
  number: string;
  service_address: { line1?: string; line2?: string | null; city: string; state: string; postal_code: string } | null;
  status: string;
}

export interface Meter {
  id: string;
  utility_account_id: string;
  number: string;
  commodity: string;
  service_class: string;
  tariff: string | null;
  unit: string;
}

export interface Statement {
  id: string;
  meter_id: string;
  period_start: string;
  period_end: string;
  statement_date: string | null;
  due_date: string | null;
  amount_due: string | null;
  total_charges: string | null;
  currency: string;
  usage: string | null;
  usage_unit: string | null;
  has_pdf: boolean;
  pdf_url: string | null;
}

export interface EventItem {
  id: string;
  client_id?: string;
  type: string;
  created_at: string;
  utility_credential_id?: string | null;
  data: Record<string, unknown>;
}

export type LinkStatus = "active" | "used" | "revoked" | "expired";

export interface ConnectLink {
  id: string;
  url: string | null;
  status: LinkStatus;
  expires_at: string;
  created_at: string;
  used_at?: string | null;
  revoked_at?: string | null;
}

export interface CredentialDetail {
  credential: CredentialRow & { verified_at: string | null; sync: Sync | null };
  accounts: Account[];
  meters: Meter[];
  statements: Statement[];
  usage: { unit: string; days: { date: string; value: number | null }[] } | null;
  events: EventItem[];
  links: ConnectLink[];
}

export interface Overview {
  by_status: { status: CredentialStatus; status_detail: string | null; count: number }[];
  total: number;
  attention: Record<AttentionKey, number>;
  failing_endpoints: { id: string; client_id: string; url: string; disabled: boolean; failing_since: string | null; last_status: number | null }[];
}

export const ATTENTION_KEYS = [
  "mfa_refresh_required",
  "mfa_expiring_soon",
  "revoked",
  "utility_unavailable",
  "syncs_failing",
  "action_required",
] as const;
export type AttentionKey = (typeof ATTENTION_KEYS)[number];

export interface EndUser {
  client_id: string;
  client_user_id: string;
  created_at: string;
  credentials: number;
}

export interface Delivery {
  id: string;
  endpoint_id: string;
  url: string;
  status: "pending" | "succeeded" | "failed";
  attempts: { at: string; status_code: number | null; latency_ms: number | null; error: string | null }[];
  next_attempt_at: string | null;
}

export interface Endpoint {
  id: string;
  client_id: string;
  url: string;
  enabled_events: string[] | null;
  disabled: boolean;
  created_at: string;
  failing_since: string | null;
}

export interface OperatorListed {
  id: string;
  email: string;
  role: Role;
  client_ids: string[] | null;
  totp: boolean;
  disabled_at: string | null;
  created_at: string;
}

export interface AuditEntry {
  id: string;
  at: string;
  /** id null: the `gridlink operators` command, a failed sign-in or a removed operator. */
  operator: { id: string | null; email: string | null } | null;
  action: string;
  target_type: string | null;
  target_id: string | null;
  client_id: string | null;
  ip: string | null;
  user_agent: string | null;
  detail: Record<string, unknown> | null;
}

export interface ConnectToken {
  connect_token: string;
  mode: "create" | "update";
  expires_at: string;
}

export const STATUSES: readonly CredentialStatus[] = ["pending", "verified", "rejected", "timeout", "error"];

/** Status details an operator filters by (docs and /work DESIGN vocabulary); others show as sent. */
export const STATUS_DETAILS = [
  "MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED",
  "MULTI_FACTOR_AUTHENTICATION_REQUIRED",
  "UNSUPPORTED_MULTI_FACTOR_AUTHENTICATION",
  "INVALID_CREDENTIALS",
  "ACCOUNT_LOCKED",
  "AUTHORIZATION_REVOKED",
  "ACCOUNT_MISMATCH",
  "UTILITY_UNAVAILABLE",
  "DATA_EXTRACTION_IN_PROGRESS",
  "SESSION_ENDED",
] as const;

export const EVENT_TYPES = [
  "utility_credential_verified",
  "utility_credential_rejected",
  "utility_credential_revoked",
  "utility_credential_verification_error",
  "utility_credential_timeout",
  "utility_credential_mfa_refresh_required",
  "utility_credential_mfa_expiring",
  "utility_accounts_discovered",
  "historical_utility_statements_discovered",
  "new_utility_statement_available",
  "historical_utility_intervals_discovered",
  "new_utility_intervals_available",
  "user_deleted",
] as const;
