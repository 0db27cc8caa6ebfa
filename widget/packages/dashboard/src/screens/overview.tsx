// Overview: how many credentials are in each status and status detail, what needs attention, and
// webhook endpoints that are failing. Every count links to the credentials it counts.
import { useEnv } from "../context";
import type { MessageKey } from "../i18n";
import { useLoad } from "../load";
import { Badge, Card, Empty, ErrorState, Loading, PageHeader, StatusBadge, Table, Time, detailLabel } from "../parts";
import { href } from "../router";
import { ATTENTION_KEYS, STATUSES, type AttentionKey, type Overview } from "../types";

/** The credentials-list filter each attention count is, so its link shows the same rows. */
export const ATTENTION_FILTER: Record<AttentionKey, Record<string, string>> = {
  mfa_refresh_required: { status_detail: "MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED" },
  mfa_expiring_soon: { attention: "mfa_expiring_soon" },
  revoked: { attention: "revoked" },
  utility_unavailable: { status_detail: "UTILITY_UNAVAILABLE" },
  syncs_failing: { attention: "syncs_failing" },
  action_required: { action_required: "true" },
};

export function OverviewPage({ query }: { query: URLSearchParams }) {
  const env = useEnv();
  const { t, api, fmt } = env;
  const clientId = query.get("client_id");
  const overview = useLoad(() => api.get<Overview>("/overview", { client_id: clientId }), [clientId]);
  const list = (filter: Record<string, string>) => href("/credentials", { client_id: clientId, ...filter });

  return (
    <>
      <PageHeader title={t("overview.title")} meta={t("overview.subtitle")} />
      {overview.state == "loading" && !overview.data && <Loading />}
      {overview.state == "error" && <ErrorState error={overview.error} retry={overview.reload} />}
      {overview.data && (
        <>
          <section class="attention" aria-labelledby="attention-title">
            <h2 id="attention-title">{t("overview.attention")}</h2>
            <ul class="attention-grid">
              {ATTENTION_KEYS.map((key) => {
                const count = overview.data!.attention[key] ?? 0;
                return (
                  <li key={key} class={count > 0 ? "attention-card hot" : "attention-card"}>
                    <a href={list(ATTENTION_FILTER[key])}>
                      <span class="attention-count">{fmt.number(count)}</span>
                      <span class="attention-label">{t(`attention.${key}` as MessageKey)}</span>
                      <span class="muted small">{t(`attention.${key}.hint` as MessageKey)}</span>
                    </a>
                  </li>
                );
              })}
            </ul>
          </section>
          <div class="columns">
            <Card title={t("overview.byStatus")} actions={<span class="muted">{t("overview.total", { count: fmt.number(overview.data.total) })}</span>}>
              {overview.data.by_status.length == 0 ? (
                <Empty title={t("overview.none")} body={t("overview.noneHint")} />
              ) : (
                <Table
                  caption={t("overview.byStatus")}
                  head={<><th scope="col">{t("col.status")}</th><th scope="col">{t("col.statusDetail")}</th><th scope="col" class="num">{t("col.count")}</th></>}
                >
                  {[...overview.data.by_status]
                    .sort((a, b) => STATUSES.indexOf(a.status) - STATUSES.indexOf(b.status) || b.count - a.count)
                    .map((row) => (
                      <tr key={row.status + (row.status_detail ?? "")}>
                        <td><StatusBadge status={row.status} /></td>
                        <td>{detailLabel(t, row.status_detail)}</td>
                        <td class="num">
                          <a href={list(row.status_detail ? { status: row.status, status_detail: row.status_detail } : { status: row.status })}>
                            {fmt.number(row.count)}
                          </a>
                        </td>
                      </tr>
                    ))}
                </Table>
              )}
            </Card>
            <Card title={t("overview.failing")} actions={<a href={href("/webhooks", { client_id: clientId })}>{t("overview.allEndpoints")}</a>}>
              {overview.data.failing_endpoints.length == 0 ? (
                <Empty title={t("overview.noFailing")} />
              ) : (
                <ul class="plain-list">
                  {overview.data.failing_endpoints.map((endpoint) => (
                    <li key={endpoint.id}>
                      <span class="mono break">{endpoint.url}</span>
                      <span class="row-meta">
                        <Badge tone={endpoint.disabled ? "neutral" : "danger"}>
                          {endpoint.disabled ? t("endpoint.disabled") : t("endpoint.failing")}
                        </Badge>
                        {endpoint.last_status != null && <span class="muted">{t("endpoint.lastStatus", { code: endpoint.last_status })}</span>}
                        {endpoint.failing_since && <span class="muted">{t("endpoint.since")} <Time value={endpoint.failing_since} /></span>}
                      </span>
                    </li>
                  ))}
                </ul>
              )}
            </Card>
          </div>
        </>
      )}
    </>
  );
}
