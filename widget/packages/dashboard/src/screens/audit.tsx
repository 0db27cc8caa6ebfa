// Audit log (admin): who did what to which record, when and from where; filter by operator and
// action (a click on an operator or an action in the table filters by it).
import { clientName, useEnv } from "../context";
import { useLoad } from "../load";
import { Empty, ErrorState, Loading, Mono, PageHeader, Pager, Table, Time } from "../parts";
import { href, navigate, useQueryDraft, withChanges } from "../router";
import type { AuditEntry, OperatorListed, Page } from "../types";

export function AuditPage({ query }: { query: URLSearchParams }) {
  const env = useEnv();
  const { t, api } = env;
  const [operator, setOperator] = useQueryDraft(query, "operator_id");
  const [action, setAction] = useQueryDraft(query, "action");
  const params = { operator_id: query.get("operator_id"), action: query.get("action"), after: query.get("after") };
  const list = useLoad(() => api.get<Page<AuditEntry>>("/audit", params), [JSON.stringify(params)]);
  // The operators to filter by; without the list (an error), the field takes an id.
  const operators = useLoad(() => api.get<{ data: OperatorListed[] }>("/operators"), []);
  const filterHref = (changes: Record<string, string | null>) => href("/audit", withChanges(query, changes));
  return (
    <>
      <PageHeader title={t("nav.audit")} meta={t("audit.subtitle")} />
      <form class="filter-row" role="search" aria-label={t("filter.label")}
        onSubmit={(e) => { e.preventDefault(); navigate(filterHref({ operator_id: operator.trim() || null, action: action.trim() || null })); }}>
        <div class="field compact">
          <label for="a-operator">{t("audit.operator")}</label>
          {operators.data ? (
            <select id="a-operator" value={operator} onChange={(e) => setOperator(e.currentTarget.value)}>
              <option value="">{t("filter.any")}</option>
              {operators.data.data.map((o) => <option key={o.id} value={o.id}>{o.email}</option>)}
              {operator && !operators.data.data.some((o) => o.id == operator) && <option value={operator}>{operator}</option>}
            </select>
          ) : (
            <input id="a-operator" type="search" value={operator} placeholder="opr_…" onInput={(e) => setOperator(e.currentTarget.value)} />
          )}
        </div>
        <div class="field compact">
          <label for="a-action">{t("audit.action")}</label>
          <input id="a-action" type="search" value={action} placeholder="credential.delete" onInput={(e) => setAction(e.currentTarget.value)} />
        </div>
        <button type="submit" class="button">{t("filter.apply")}</button>
      </form>
      {list.state == "error" && <ErrorState error={list.error} retry={list.reload} />}
      {list.state == "loading" && !list.data && <Loading />}
      {list.data && list.state != "error" && (list.data.data.length == 0 ? <Empty title={t("audit.none")} /> : (
        <>
          <Table caption={t("nav.audit")} busy={list.state == "loading"}
            head={<><th scope="col">{t("audit.when")}</th><th scope="col">{t("audit.who")}</th><th scope="col">{t("audit.action")}</th><th scope="col">{t("audit.target")}</th><th scope="col">{t("audit.from")}</th></>}>
            {list.data.data.map((entry) => (
              <tr key={entry.id}>
                <th scope="row"><Time value={entry.at} /></th>
                <td><Who entry={entry} link={(id) => filterHref({ operator_id: id })} onPick={setOperator} cli={t("audit.cli")} /></td>
                <td><a class="mono" href={filterHref({ action: entry.action })} onClick={() => setAction(entry.action)}>{entry.action}</a></td>
                <td>
                  {entry.target_id ? <><span class="muted">{entry.target_type}</span> <Mono>{entry.target_id}</Mono></> : "—"}
                  {entry.client_id && <div class="muted small">{clientName(env, entry.client_id)}</div>}
                </td>
                <td>
                  <span class="mono">{entry.ip ?? "—"}</span>
                  {entry.user_agent && <div class="muted small ua" title={entry.user_agent}>{entry.user_agent}</div>}
                </td>
              </tr>
            ))}
          </Table>
          <Pager path="/audit" query={query} next={list.data.next_cursor} />
        </>
      ))}
    </>
  );
}

/** An operator links to their entries; the command line and unknown emails are plain text. */
function Who({ entry, link, onPick, cli }: {
  entry: AuditEntry;
  link: (id: string) => string;
  onPick: (id: string) => void;
  cli: string;
}) {
  const who = entry.operator;
  const id = who?.id;
  if (id) return <a href={link(id)} onClick={() => onPick(id)}>{who?.email ?? id}</a>;
  if (who?.email) return <>{who.email}</>;
  return <>{entry.detail?.via === "cli" ? cli : "—"}</>;
}
