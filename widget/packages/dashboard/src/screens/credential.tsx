// One credential: its state and what to do about it (Retry MFA verification, Generate update link,
// Refresh now, Delete credential — support and admin only), its sync, data, events and links.
import { useState } from "preact/hooks";
import { ApiError, seg } from "../api";
import { UsageChart } from "../chart";
import { openConnect } from "../connect";
import { allows, clientName, useEnv } from "../context";
import { Confirm, Dialog } from "../dialog";
import { knownKey, type MessageKey } from "../i18n";
import { Icon } from "../icons";
import { useLoad } from "../load";
import {
  Alert, Card, Detail, Empty, ErrorState, Facts, LinkBadge, Loading, Mono, PageHeader, StatusBadge, Table, Time, userHref,
} from "../parts";
import { href, navigate } from "../router";
import { ShownOnce } from "../secret";
import type { ConnectLink, ConnectToken, CredentialDetail } from "../types";

type Busy = null | "mfa" | "link" | "refresh" | "delete";

function Actions({ detail, reload }: { detail: CredentialDetail; reload: () => void }) {
  const env = useEnv();
  const { t, api, fmt } = env;
  const id = detail.credential.id;
  const [busy, setBusy] = useState<Busy>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const [link, setLink] = useState<ConnectLink | null>(null);
  const [confirmDelete, setConfirmDelete] = useState(false);

  const act = async (name: Exclude<Busy, null>, run: () => Promise<void>) => {
    setBusy(name);
    setError(null);
    try {
      await run();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, "network_error", ""));
    } finally {
      setBusy(null);
    }
  };

  const retryMfa = () =>
    act("mfa", async () => {
      const token = await api.post<ConnectToken>(`/credentials/${seg(id)}/connect`);
      openConnect(token.connect_token, {
        onSuccess: () => env.notify(t("credential.mfaDone")),
        onExit: () => reload(),
      });
    });
  const generateLink = () =>
    act("link", async () => {
      setLink(await api.post<ConnectLink>(`/credentials/${seg(id)}/links`));
      reload();
    });
  const refresh = () =>
    act("refresh", async () => {
      await api.post(`/credentials/${seg(id)}/refresh`);
      env.notify(t("credential.refreshed"));
      reload();
    });
  const remove = () =>
    act("delete", async () => {
      await api.delete(`/credentials/${seg(id)}`);
      setConfirmDelete(false);
      env.notify(t("credential.deleted"));
      navigate(href("/credentials"));
    });

  return (
    <>
      <div class="page-actions">
        <button type="button" class="button primary" disabled={busy != null} onClick={retryMfa}>
          <Icon name="shield" />{t("action.retryMfa")}
        </button>
        <button type="button" class="button" disabled={busy != null} onClick={generateLink}>
          <Icon name="link" />{t("action.updateLink")}
        </button>
        <button type="button" class="button" disabled={busy != null} onClick={refresh}>
          <Icon name="refresh" />{t("action.refresh")}
        </button>
        <button type="button" class="button danger-outline" disabled={busy != null} onClick={() => setConfirmDelete(true)}>
          <Icon name="trash" />{t("action.delete")}
        </button>
      </div>
      {!confirmDelete && <Alert error={error} />}
      {link?.url && (
        <Dialog
          title={t("link.title")} onClose={() => setLink(null)}
          description={t("link.intro")}
          actions={<button type="button" class="button primary" onClick={() => setLink(null)}>{t("done")}</button>}
        >
          <ShownOnce
            label={t("link.url")} value={link.url} copyLabel={t("action.copyLink")}
            note={t("link.validUntil", { time: fmt.dateTime(link.expires_at) })}
          />
        </Dialog>
      )}
      {confirmDelete && (
        <Confirm
          title={t("credential.deleteTitle")} body={t("credential.deleteBody")} confirm={t("action.delete")}
          busy={busy == "delete"} error={<Alert error={error} />}
          onConfirm={remove} onCancel={() => { setConfirmDelete(false); setError(null); }}
        />
      )}
    </>
  );
}

function SyncFacts({ detail }: { detail: CredentialDetail }) {
  const { t, fmt } = useEnv();
  const sync = detail.credential.sync;
  if (!sync) return <p class="muted">{t("sync.none")}</p>;
  const percent = Math.round(sync.progress * 100);
  const state = knownKey("sync.state." + sync.state);
  return (
    <>
      <div class="progress-row">
        <label for="sync-progress">{t("sync.progress", { percent: fmt.number(percent) })}</label>
        <progress id="sync-progress" max={100} value={percent}>{percent}%</progress>
      </div>
      <Facts items={[
        [t("sync.state"), state ? t(state) : sync.state],
        [t("sync.kind"), knownKey("sync.kind." + sync.kind) ? t(("sync.kind." + sync.kind) as MessageKey) : sync.kind],
        [t("col.lastSynced"), <Time value={sync.last_synced_at} />],
        [t("sync.next"), <Time value={sync.next_sync_at} />],
        ...(sync.eta ? [[t("sync.eta"), <Time value={sync.eta} />] as [string, preact.ComponentChildren]] : []),
        ...(sync.last_error ? [[t("sync.lastError"), <Detail detail={sync.last_error} />] as [string, preact.ComponentChildren]] : []),
      ]} />
    </>
  );
}

function Links({ links, reload, canAct }: { links: ConnectLink[]; reload: () => void; canAct: boolean }) {
  const { t, api, notify } = useEnv();
  const [error, setError] = useState<ApiError | null>(null);
  if (links.length == 0) return <Empty title={t("link.none")} body={t("link.noneHint")} />;
  const revoke = async (id: string) => {
    setError(null);
    try {
      await api.post(`/links/${seg(id)}/revoke`);
      notify(t("link.revoked"));
      reload();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, "network_error", ""));
    }
  };
  return (
    <>
      <Alert error={error} />
      <Table
        caption={t("credential.links")}
        head={<><th scope="col">{t("col.status")}</th><th scope="col">{t("col.created")}</th><th scope="col">{t("link.expires")}</th><th scope="col">{t("link.endedAt")}</th>{canAct && <th scope="col"><span class="sr-only">{t("col.actions")}</span></th>}</>}
      >
        {links.map((link) => (
          <tr key={link.id} data-testid={`link-${link.id}`}>
            <td><LinkBadge status={link.status} /></td>
            <td><Time value={link.created_at} /></td>
            <td><Time value={link.expires_at} /></td>
            <td><Time value={link.used_at ?? link.revoked_at} /></td>
            {canAct && (
              <td class="row-actions">
                {link.status == "active" && (
                  <button type="button" class="button small danger-outline" onClick={() => revoke(link.id)}>{t("action.revoke")}</button>
                )}
              </td>
            )}
          </tr>
        ))}
      </Table>
    </>
  );
}

export function CredentialPage({ id }: { id: string }) {
  const env = useEnv();
  const { t, api, session } = env;
  const detail = useLoad(() => api.get<CredentialDetail>(`/credentials/${seg(id)}`), [id]);
  const canAct = allows(session, "support");

  if (detail.state == "error" && !detail.data) {
    return (
      <>
        <PageHeader eyebrow={<a href={href("/credentials")}>{t("nav.credentials")}</a>} title={id} />
        <ErrorState error={detail.error} retry={detail.reload} />
      </>
    );
  }
  if (!detail.data) return <Loading />;
  const data = detail.data;
  const c = data.credential;
  const mfaKey = c.mfa_session_expires_at && new Date(c.mfa_session_expires_at).getTime() < Date.now() ? "credential.mfaExpired" : "credential.mfaExpires";

  return (
    <>
      <PageHeader
        eyebrow={<a href={href("/credentials")}>{t("nav.credentials")}</a>}
        title={<>{c.utility.name} <span class="title-sub">· {c.client_user_id}</span></>}
        meta={
          <>
            <StatusBadge status={c.status} />
            {c.status_detail && <span class="detail-code"><Detail detail={c.status_detail} /> <Mono>{c.status_detail}</Mono></span>}
            {c.action_required && <span class="flag">{t("credential.actionRequired")}</span>}
            <Mono>{c.id}</Mono>
          </>
        }
      />
      {canAct && <Actions detail={data} reload={detail.reload} />}
      {c.action_required && (
        <div class="banner warning" role="note">
          <Icon name="alert" />
          <p>{c.status_detail == "MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED" ? t("credential.needsMfa") : t("credential.needsUser")}</p>
        </div>
      )}
      <div class="columns">
        <Card title={t("credential.summary")}>
          <Facts items={[
            [t("col.status"), <StatusBadge status={c.status} />],
            [t("col.statusDetail"), <Detail detail={c.status_detail} />],
            [t("credential.actionRequiredLabel"), c.action_required ? t("yes") : t("no")],
            [t("col.utility"), c.utility.name],
            [t("col.endUser"), <a href={userHref(c.client_id, c.client_user_id)}>{c.client_user_id}</a>],
            [t("col.client"), c.client_name || clientName(env, c.client_id)],
            [t(mfaKey), <Time value={c.mfa_session_expires_at} />],
            [t("credential.verifiedAt"), <Time value={c.verified_at} />],
            [t("col.created"), <Time value={c.created_at} />],
            [t("col.updated"), <Time value={c.updated_at} />],
          ]} />
        </Card>
        <Card title={t("credential.sync")}>
          <SyncFacts detail={data} />
        </Card>
      </div>
      <Card title={t("credential.usage")}>
        {data.usage ? <UsageChart unit={data.usage.unit} days={data.usage.days} /> : <p class="muted">{t("usage.none")}</p>}
      </Card>
      <Card title={t("credential.accounts")}>
        {data.accounts.length == 0 ? (
          <Empty title={t("credential.noAccounts")} />
        ) : (
          <Table caption={t("credential.accounts")} head={<><th scope="col">{t("col.account")}</th><th scope="col">{t("col.address")}</th><th scope="col">{t("col.meters")}</th></>}>
            {data.accounts.map((account) => (
              <tr key={account.id}>
                <th scope="row"><Mono>{account.number}</Mono></th>
                <td>{account.service_address ? `${account.service_address.line1 ?? ""}, ${account.service_address.city}, ${account.service_address.state} ${account.service_address.postal_code}` : "—"}</td>
                <td>
                  {data.meters.filter((meter) => meter.utility_account_id == account.id).map((meter) => (
                    <div key={meter.id}><Mono>{meter.number}</Mono> <span class="muted">{meter.commodity} · {meter.unit}</span></div>
                  ))}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Card>
      <Card title={t("credential.bills")}>
        {data.statements.length == 0 ? (
          <Empty title={t("credential.noBills")} />
        ) : (
          <Table caption={t("credential.bills")} head={<><th scope="col">{t("col.period")}</th><th scope="col">{t("col.dueDate")}</th><th scope="col" class="num">{t("col.amount")}</th><th scope="col" class="num">{t("col.usage")}</th><th scope="col">{t("col.pdf")}</th></>}>
            {data.statements.map((bill) => (
              <tr key={bill.id}>
                <th scope="row">{env.fmt.date(bill.period_start)} – {env.fmt.date(bill.period_end)}</th>
                <td>{env.fmt.date(bill.due_date)}</td>
                <td class="num">{bill.amount_due ?? bill.total_charges ?? "—"} {bill.amount_due || bill.total_charges ? bill.currency : ""}</td>
                <td class="num">{bill.usage ? `${bill.usage} ${bill.usage_unit ?? ""}` : "—"}</td>
                <td>
                  {bill.pdf_url ? (
                    <a href={bill.pdf_url} target="_blank" rel="noopener" aria-label={t("credential.pdfFor", { period: env.fmt.date(bill.period_end) })}>
                      {t("col.pdf")}
                    </a>
                  ) : <span class="muted">—</span>}
                </td>
              </tr>
            ))}
          </Table>
        )}
      </Card>
      <Card title={t("credential.links")}>
        <Links links={data.links} reload={detail.reload} canAct={canAct} />
      </Card>
      <Card title={t("credential.timeline")} actions={<a href={href("/events", { credential_id: c.id })}>{t("credential.allEvents")}</a>}>
        {data.events.length == 0 ? (
          <Empty title={t("events.none")} />
        ) : (
          <ol class="timeline">
            {data.events.map((event) => (
              <li key={event.id}>
                <a href={href("/events/" + encodeURIComponent(event.id))} class="mono">{event.type}</a>
                <Time value={event.created_at} />
              </li>
            ))}
          </ol>
        )}
      </Card>
    </>
  );
}
