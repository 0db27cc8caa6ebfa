// Credentials: the table, its filters and sort (all in the address), cursor pages, and
// "Submit credentials" (Connect in create mode for an end user the operator names).
import { useState } from "preact/hooks";
import { allows, useEnv, type Env } from "../context";
import { knownKey, type MessageKey, type Translate } from "../i18n";
import { Icon } from "../icons";
import { useLoad } from "../load";
import {
  Detail, Empty, ErrorState, Loading, PageHeader, Pager, StatusBadge, Table, Time, credentialHref, detailLabel, userHref,
} from "../parts";
import { href, navigate, useQueryDraft, withChanges } from "../router";
import { STATUS_DETAILS, STATUSES, type CredentialRow, type Page } from "../types";
import { SubmitCredentials } from "./submit";

/** The list's filters: the query keys the page and the API share. */
export const FILTER_KEYS = [
  "client_id", "status", "status_detail", "attention", "action_required", "utility_id", "client_user_id", "created_from", "created_to",
] as const;
export const SORTS = ["-created_at", "created_at", "-updated_at", "updated_at"] as const;

export function credentialQuery(query: URLSearchParams): Record<string, string> {
  const out: Record<string, string> = {};
  for (const key of [...FILTER_KEYS, "sort", "after"]) {
    const value = query.get(key);
    if (value) out[key] = value;
  }
  return out;
}

function chipLabel(env: Env, key: string, value: string): string {
  const { t } = env;
  switch (key) {
    case "status": {
      const status = knownKey("status." + value);
      return `${t("col.status")}: ${status ? t(status) : value}`;
    }
    case "status_detail":
      return `${t("col.statusDetail")}: ${detailLabel(t, value)}`;
    case "attention": {
      const attention = knownKey("attention." + value);
      return attention ? t(attention) : value;
    }
    case "action_required":
      return value == "true" ? t("filter.actionRequired") : t("filter.noActionRequired");
    case "client_id":
      return `${t("col.client")}: ${env.clients.find((c) => c.id == value)?.name ?? value}`;
    case "utility_id":
      return `${t("col.utility")}: ${value}`;
    case "client_user_id":
      return `${t("col.endUser")}: ${value}`;
    case "created_from":
      return `${t("filter.createdFrom")}: ${env.fmt.date(value)}`;
    case "created_to":
      return `${t("filter.createdTo")}: ${env.fmt.date(value)}`;
    default:
      return `${key}: ${value}`;
  }
}

function sortLabel(t: Translate, sort: string): string {
  return t(`sort.${sort.replace("-", "desc_")}` as MessageKey);
}

function Filters({ query }: { query: URLSearchParams }) {
  const env = useEnv();
  const { t, api } = env;
  const [endUser, setEndUser] = useQueryDraft(query, "client_user_id");
  const utilities = useLoad(() => api.get<Page<{ id: string; name: string }>>("/utilities"), []);
  const go = (changes: Record<string, string | null>) => navigate(href("/credentials", withChanges(query, changes)));
  const chips = FILTER_KEYS.filter((key) => query.get(key));

  return (
    <div class="filters">
      <form
        class="filter-row" role="search" aria-label={t("filter.label")}
        onSubmit={(event) => {
          event.preventDefault();
          go({ client_user_id: endUser.trim() || null });
        }}
      >
        <div class="field compact">
          <label for="f-status">{t("col.status")}</label>
          <select id="f-status" value={query.get("status") ?? ""} onChange={(e) => go({ status: e.currentTarget.value || null })}>
            <option value="">{t("filter.any")}</option>
            {STATUSES.map((status) => <option key={status} value={status}>{t(`status.${status}` as MessageKey)}</option>)}
          </select>
        </div>
        <div class="field compact">
          <label for="f-detail">{t("col.statusDetail")}</label>
          <select id="f-detail" value={query.get("status_detail") ?? ""} onChange={(e) => go({ status_detail: e.currentTarget.value || null })}>
            <option value="">{t("filter.any")}</option>
            {STATUS_DETAILS.map((detail) => <option key={detail} value={detail}>{detailLabel(t, detail)}</option>)}
            {query.get("status_detail") && !(STATUS_DETAILS as readonly string[]).includes(query.get("status_detail")!) && (
              <option value={query.get("status_detail")!}>{query.get("status_detail")}</option>
            )}
          </select>
        </div>
        <div class="field compact">
          <label for="f-utility">{t("col.utility")}</label>
          {utilities.state == "error" ? (
            <input id="f-utility" type="text" value={query.get("utility_id") ?? ""} placeholder="sandbox_electric"
              onChange={(e) => go({ utility_id: e.currentTarget.value.trim() || null })} />
          ) : (
            <select id="f-utility" value={query.get("utility_id") ?? ""} onChange={(e) => go({ utility_id: e.currentTarget.value || null })}>
              <option value="">{t("filter.any")}</option>
              {(utilities.data?.data ?? []).map((u) => <option key={u.id} value={u.id}>{u.name}</option>)}
              {query.get("utility_id") && !utilities.data?.data.some((u) => u.id == query.get("utility_id")) && (
                <option value={query.get("utility_id")!}>{query.get("utility_id")}</option>
              )}
            </select>
          )}
        </div>
        <div class="field compact">
          <label for="f-user">{t("col.endUser")}</label>
          <input id="f-user" type="search" value={endUser} placeholder={t("filter.endUserPlaceholder")}
            onInput={(e) => setEndUser(e.currentTarget.value)} />
        </div>
        <div class="field compact">
          <label for="f-from">{t("filter.createdFrom")}</label>
          <input id="f-from" type="date" value={query.get("created_from") ?? ""} onChange={(e) => go({ created_from: e.currentTarget.value || null })} />
        </div>
        <div class="field compact">
          <label for="f-to">{t("filter.createdTo")}</label>
          <input id="f-to" type="date" value={query.get("created_to") ?? ""} onChange={(e) => go({ created_to: e.currentTarget.value || null })} />
        </div>
        <div class="field compact">
          <label for="f-sort">{t("sort.label")}</label>
          <select id="f-sort" value={query.get("sort") ?? "-created_at"} onChange={(e) => go({ sort: e.currentTarget.value == "-created_at" ? null : e.currentTarget.value })}>
            {SORTS.map((sort) => <option key={sort} value={sort}>{sortLabel(t, sort)}</option>)}
          </select>
        </div>
        <button type="submit" class="button">{t("filter.apply")}</button>
      </form>
      {chips.length > 0 && (
        <ul class="chips" aria-label={t("filter.active")}>
          {chips.map((key) => (
            <li key={key} class="chip">
              <span>{chipLabel(env, key, query.get(key)!)}</span>
              <button
                type="button" class="chip-remove" aria-label={t("filter.remove", { filter: chipLabel(env, key, query.get(key)!) })}
                onClick={() => {
                  if (key == "client_user_id") setEndUser("");
                  go({ [key]: null });
                }}
              >
                <Icon name="close" size={14} />
              </button>
            </li>
          ))}
          <li>
            <a class="clear-all" href={href("/credentials", query.get("sort") ? { sort: query.get("sort") } : {})}
              onClick={() => setEndUser("")}>{t("filter.clear")}</a>
          </li>
        </ul>
      )}
    </div>
  );
}

export function CredentialRows({ rows, showClient }: { rows: CredentialRow[]; showClient: boolean }) {
  const { t } = useEnv();
  return (
    <>
      {rows.map((row) => (
        <tr key={row.id}>
          <th scope="row"><a class="mono" href={credentialHref(row.id)}>{row.id}</a></th>
          <td>
            <a href={userHref(row.client_id, row.client_user_id)} class="break">{row.client_user_id}</a>
            {showClient && <div class="muted small">{row.client_name}</div>}
          </td>
          <td class="nowrap">{row.utility.name}</td>
          <td><StatusBadge status={row.status} /></td>
          <td>
            <Detail detail={row.status_detail} />
            {row.action_required && <div><span class="flag">{t("credential.actionRequired")}</span></div>}
          </td>
          <td><Time value={row.last_synced_at} relative /></td>
          <td><Time value={row.created_at} /></td>
        </tr>
      ))}
    </>
  );
}

export function CredentialTableHead({ sort }: { sort?: string }) {
  const { t } = useEnv();
  const created = sort == "created_at" ? "ascending" : sort == "-created_at" ? "descending" : undefined;
  return (
    <>
      <th scope="col">{t("col.id")}</th>
      <th scope="col">{t("col.endUser")}</th>
      <th scope="col">{t("col.utility")}</th>
      <th scope="col">{t("col.status")}</th>
      <th scope="col">{t("col.statusDetail")}</th>
      <th scope="col">{t("col.lastSynced")}</th>
      <th scope="col" aria-sort={created}>{t("col.created")}</th>
    </>
  );
}

export function CredentialsPage({ query }: { query: URLSearchParams }) {
  const env = useEnv();
  const { t, api, session } = env;
  const [submitting, setSubmitting] = useState(false);
  const params = credentialQuery(query);
  const key = JSON.stringify(params);
  const list = useLoad(() => api.get<Page<CredentialRow>>("/credentials", { limit: 25, ...params }), [key]);
  const filtered = FILTER_KEYS.some((name) => name != "client_id" && query.get(name));

  return (
    <>
      <PageHeader
        title={t("credentials.title")}
        meta={list.data?.total !== undefined ? t("credentials.count", { count: env.fmt.number(list.data.total) }) : undefined}
        actions={allows(session, "support") && (
          <button type="button" class="button primary" onClick={() => setSubmitting(true)}>
            <Icon name="plus" />
            {t("submit.open")}
          </button>
        )}
      />
      <Filters query={query} />
      {list.state == "error" && <ErrorState error={list.error} retry={list.reload} />}
      {list.state == "loading" && !list.data && <Loading />}
      {list.data && list.state != "error" && (
        list.data.data.length == 0 ? (
          <Empty
            title={filtered ? t("credentials.noneFiltered") : t("credentials.none")}
            body={filtered ? t("credentials.noneFilteredHint") : t("credentials.noneHint")}
          />
        ) : (
          <>
            <Table wide caption={t("credentials.title")} head={<CredentialTableHead sort={query.get("sort") ?? "-created_at"} />} busy={list.state == "loading"}>
              <CredentialRows rows={list.data.data} showClient={env.clients.length > 1} />
            </Table>
            <Pager path="/credentials" query={query} next={list.data.next_cursor} total={list.data.total} />
          </>
        )
      )}
      {submitting && <SubmitCredentials query={query} onClose={() => setSubmitting(false)} />}
    </>
  );
}
