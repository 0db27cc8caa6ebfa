// End users (a client's client_user_id): the list, filtered by id, and one user with their
// credentials and a confirmed delete (support and admin).
import { useState } from "preact/hooks";
import { ApiError, seg } from "../api";
import { allows, clientName, useEnv } from "../context";
import { Confirm } from "../dialog";
import { Icon } from "../icons";
import { useLoad } from "../load";
import { Alert, Empty, ErrorState, Facts, Loading, PageHeader, Pager, Table, Time, Card, userHref } from "../parts";
import { href, navigate, useQueryDraft, withChanges } from "../router";
import type { CredentialRow, EndUser, Page } from "../types";
import { CredentialRows, CredentialTableHead } from "./credentials";

export function UsersPage({ query }: { query: URLSearchParams }) {
  const env = useEnv();
  const { t, api } = env;
  const [search, setSearch] = useQueryDraft(query, "client_user_id");
  const params = { client_id: query.get("client_id"), client_user_id: query.get("client_user_id"), after: query.get("after") };
  const list = useLoad(() => api.get<Page<EndUser>>("/users", params), [JSON.stringify(params)]);
  return (
    <>
      <PageHeader title={t("users.title")} />
      <form class="filter-row" role="search" aria-label={t("filter.label")}
        onSubmit={(e) => { e.preventDefault(); navigate(href("/users", withChanges(query, { client_user_id: search.trim() || null }))); }}>
        <div class="field compact grow">
          <label for="u-search">{t("col.endUser")}</label>
          <input id="u-search" type="search" value={search} placeholder={t("filter.endUserPlaceholder")} onInput={(e) => setSearch(e.currentTarget.value)} />
        </div>
        <button type="submit" class="button">{t("filter.apply")}</button>
      </form>
      {list.state == "error" && <ErrorState error={list.error} retry={list.reload} />}
      {list.state == "loading" && !list.data && <Loading />}
      {list.data && list.state != "error" && (list.data.data.length == 0 ? (
        <Empty title={query.get("client_user_id") ? t("users.noneFiltered") : t("users.none")} />
      ) : (
        <>
          <Table caption={t("users.title")} busy={list.state == "loading"}
            head={<><th scope="col">{t("col.endUser")}</th>{env.clients.length > 1 && <th scope="col">{t("col.client")}</th>}<th scope="col" class="num">{t("nav.credentials")}</th><th scope="col">{t("col.created")}</th></>}>
            {list.data.data.map((user) => (
              <tr key={user.client_id + "/" + user.client_user_id}>
                <th scope="row"><a href={userHref(user.client_id, user.client_user_id)} class="break">{user.client_user_id}</a></th>
                {env.clients.length > 1 && <td>{clientName(env, user.client_id)}</td>}
                <td class="num">{env.fmt.number(user.credentials)}</td>
                <td><Time value={user.created_at} /></td>
              </tr>
            ))}
          </Table>
          <Pager path="/users" query={query} next={list.data.next_cursor} />
        </>
      ))}
    </>
  );
}

export function UserPage({ clientId, clientUserId }: { clientId: string; clientUserId: string }) {
  const env = useEnv();
  const { t, api, session } = env;
  const user = useLoad(() => api.get<{ user: EndUser; credentials: CredentialRow[] }>(`/users/${seg(clientId)}/${seg(clientUserId)}`), [clientId, clientUserId]);
  const [confirm, setConfirm] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const remove = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.delete(`/users/${seg(clientId)}/${seg(clientUserId)}`);
      env.notify(t("users.deleted"));
      navigate(href("/users"));
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, "network_error", ""));
      setBusy(false);
    }
  };
  return (
    <>
      <PageHeader
        eyebrow={<a href={href("/users")}>{t("users.title")}</a>} title={clientUserId}
        actions={allows(session, "support") && (
          <button type="button" class="button danger-outline" onClick={() => setConfirm(true)}>
            <Icon name="trash" />{t("action.deleteUser")}
          </button>
        )}
      />
      {user.state == "error" && <ErrorState error={user.error} retry={user.reload} />}
      {user.state == "loading" && !user.data && <Loading />}
      {user.data && (
        <>
          <Card title={t("users.summary")}>
            <Facts items={[
              [t("col.client"), clientName(env, clientId)],
              [t("col.created"), <Time value={user.data.user.created_at} />],
              [t("nav.credentials"), env.fmt.number(user.data.credentials.length)],
            ]} />
          </Card>
          <Card title={t("nav.credentials")}>
            {user.data.credentials.length == 0 ? <Empty title={t("credentials.none")} /> : (
              <Table wide caption={t("nav.credentials")} head={<CredentialTableHead />}>
                <CredentialRows rows={user.data.credentials} showClient={false} />
              </Table>
            )}
          </Card>
        </>
      )}
      {confirm && (
        <Confirm
          title={t("users.deleteTitle")} body={t("users.deleteBody", { user: clientUserId })} confirm={t("action.deleteUser")}
          busy={busy} error={<Alert error={error} />} onConfirm={remove} onCancel={() => setConfirm(false)}
        />
      )}
    </>
  );
}
