// Building blocks every screen uses: page header, states (loading, empty, error), status badges,
// tables, pagination, a labelled field, and times.
import type { ComponentChildren, JSX } from "preact";
import { createContext } from "preact";
import { useContext, useId } from "preact/hooks";
import type { ApiError } from "./api";
import { useEnv, type Env } from "./context";
import { knownKey, type MessageKey, type Translate } from "./i18n";
import { Icon } from "./icons";
import { href } from "./router";
import type { CredentialStatus, LinkStatus } from "./types";

export function PageHeader({ title, eyebrow, meta, actions }: {
  title: ComponentChildren;
  eyebrow?: ComponentChildren;
  meta?: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <div class="page-header">
      <div class="page-title">
        {eyebrow && <div class="eyebrow">{eyebrow}</div>}
        {/* tabIndex -1: focus moves here when the page changes, so screen readers read it. */}
        <h1 tabIndex={-1}>{title}</h1>
        {meta && <div class="page-meta">{meta}</div>}
      </div>
      {actions && <div class="page-actions">{actions}</div>}
    </div>
  );
}

export function Loading({ label }: { label?: string }) {
  const { t } = useEnv();
  return (
    <div class="state" role="status">
      <span class="spinner" aria-hidden="true" />
      <span>{label ?? t("loading")}</span>
    </div>
  );
}

export function Empty({ title, body, children }: { title: string; body?: string; children?: ComponentChildren }) {
  return (
    <div class="state empty">
      <p class="state-title">{title}</p>
      {body && <p class="muted">{body}</p>}
      {children}
    </div>
  );
}

/** What to tell the operator about a failed call, by its code. */
export function errorText(t: Translate, error: ApiError): string {
  switch (error.code) {
    case "network_error":
      return t("error.network");
    case "forbidden":
      return t("error.forbidden");
    case "not_found":
      return t("error.notFound");
    case "csrf_failed":
      return t("error.csrf");
    case "rate_limited":
      return error.retryAfter ? t("error.rateLimitedWait", { seconds: error.retryAfter }) : t("error.rateLimited");
    case "credential_not_verified":
      return t("error.notVerified");
    default: {
      const base = error.message || t("error.generic");
      return error.requestId ? t("error.withRequest", { message: base, request: error.requestId }) : base;
    }
  }
}

export function ErrorState({ error, retry }: { error: ApiError; retry?: () => void }) {
  const { t } = useEnv();
  return (
    <div class="state error" role="alert">
      <Icon name="alert" size={24} />
      <p class="state-title">{error.code == "not_found" ? t("error.notFoundTitle") : t("error.title")}</p>
      <p class="muted">{errorText(t, error)}</p>
      {retry && error.code != "forbidden" && error.code != "not_found" && (
        <button type="button" class="button" onClick={retry}>{t("tryAgain")}</button>
      )}
    </div>
  );
}

/** An inline error under a form or an action (announced). */
export function Alert({ error, text }: { error?: ApiError | null; text?: string | null }) {
  const { t } = useEnv();
  const message = text ?? (error ? errorText(t, error) : null);
  return message ? <p class="inline-alert" role="alert">{message}</p> : null;
}

type Tone = "success" | "warning" | "danger" | "neutral" | "info";

const STATUS_TONE: Record<CredentialStatus, Tone> = {
  verified: "success",
  pending: "info",
  rejected: "danger",
  timeout: "warning",
  error: "danger",
};

/** A status as a word in a tinted pill (the word carries the meaning; the colour only helps). */
export function Badge({ tone, children }: { tone: Tone; children: ComponentChildren }) {
  return (
    <span class={`badge tone-${tone}`}>
      <span class="dot" aria-hidden="true" />
      {children}
    </span>
  );
}

export function StatusBadge({ status }: { status: CredentialStatus }) {
  const { t } = useEnv();
  const key = knownKey("status." + status);
  return <Badge tone={STATUS_TONE[status] ?? "neutral"}>{key ? t(key) : status}</Badge>;
}

const LINK_TONE: Record<LinkStatus, Tone> = { active: "success", used: "neutral", revoked: "danger", expired: "neutral" };

export function LinkBadge({ status }: { status: LinkStatus }) {
  const { t } = useEnv();
  return <Badge tone={LINK_TONE[status]}>{t(`link.${status}` as MessageKey)}</Badge>;
}

/** A status detail in words, with its code for those who search by it. */
export function detailLabel(t: Translate, detail: string | null): string {
  if (!detail) return "—";
  const key = knownKey("detail." + detail);
  return key ? t(key) : detail;
}

export function Detail({ detail }: { detail: string | null }) {
  const { t } = useEnv();
  if (!detail) return <span class="muted">—</span>;
  return (
    <span class="detail" title={detail}>
      {detailLabel(t, detail)}
    </span>
  );
}

export function Time({ value, relative }: { value: string | null | undefined; relative?: boolean }) {
  const { fmt } = useEnv();
  if (!value) return <span class="muted">—</span>;
  return (
    <time dateTime={value} title={value}>
      {relative ? fmt.relative(value) : fmt.dateTime(value)}
    </time>
  );
}

export function Mono({ children }: { children: ComponentChildren }) {
  return <code class="mono">{children}</code>;
}

/** Inside a card, whose labelled section already names what a table holds. */
const InCard = createContext(false);

/**
 * A table in its own scrolling box (the page never scrolls sideways; the box takes focus so the
 * keyboard scrolls it); `caption` names it. Outside a card the box is a region named by it.
 */
export function Table({ caption, head, children, busy, wide }: {
  caption: string;
  head: ComponentChildren;
  children: ComponentChildren;
  busy?: boolean;
  /** Many columns: keeps a minimum width and scrolls in its box on narrow screens. */
  wide?: boolean;
}) {
  const inCard = useContext(InCard);
  return (
    <div class="table-wrap" role={inCard ? undefined : "region"} aria-label={inCard ? undefined : caption} tabIndex={0}>
      <table class={wide ? "wide" : undefined} aria-busy={busy ? "true" : undefined}>
        <caption class="sr-only">{caption}</caption>
        <thead>
          <tr>{head}</tr>
        </thead>
        <tbody>{children}</tbody>
      </table>
    </div>
  );
}

/** Cursor pages: "First page" when not on it, "Next page" when there is one. */
export function Pager({ path, query, next, total }: {
  path: string;
  query: URLSearchParams;
  next: string | null | undefined;
  total?: number | undefined;
}) {
  const { t, fmt } = useEnv();
  const first = new URLSearchParams(query);
  first.delete("after");
  const following = new URLSearchParams(query);
  if (next) following.set("after", next);
  return (
    <nav class="pager" aria-label={t("pager.label")}>
      <span class="muted">{total !== undefined ? t("pager.total", { count: fmt.number(total) }) : ""}</span>
      <span class="pager-links">
        {query.get("after") && <a class="button" href={href(path, first)}>{t("pager.first")}</a>}
        {next && <a class="button" href={href(path, following)}>{t("pager.next")}</a>}
      </span>
    </nav>
  );
}

/** A label above its control; `hint` below it, tied by aria-describedby. */
export function Field({ label, hint, children }: {
  label: string;
  hint?: string;
  children: (props: { id: string; "aria-describedby"?: string }) => JSX.Element;
}) {
  const id = useId();
  const hintId = hint ? id + "-hint" : undefined;
  return (
    <div class="field">
      <label for={id}>{label}</label>
      {children(hintId ? { id, "aria-describedby": hintId } : { id })}
      {hint && <p class="hint" id={hintId}>{hint}</p>}
    </div>
  );
}

/** A definition list of facts (label → value) in a card. */
export function Facts({ items }: { items: [string, ComponentChildren][] }) {
  return (
    <dl class="facts">
      {items.map(([label, value]) => (
        <div class="fact" key={label}>
          <dt>{label}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}

export function Card({ title, actions, children, id }: {
  title: string;
  actions?: ComponentChildren;
  children: ComponentChildren;
  id?: string;
}) {
  const headingId = useId();
  return (
    <section class="card" aria-labelledby={headingId} id={id}>
      <div class="card-head">
        <h2 id={headingId}>{title}</h2>
        {actions && <div class="card-actions">{actions}</div>}
      </div>
      <InCard.Provider value={true}>{children}</InCard.Provider>
    </section>
  );
}

export function credentialHref(id: string): string {
  return href("/credentials/" + encodeURIComponent(id));
}

export function userHref(clientId: string, clientUserId: string): string {
  return href(`/users/${encodeURIComponent(clientId)}/${encodeURIComponent(clientUserId)}`);
}

export function selectedClient(env: Env, query: URLSearchParams): string | null {
  return query.get("client_id") || (env.clients.length == 1 ? env.clients[0]!.id : null);
}
