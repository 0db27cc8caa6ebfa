// Webhook endpoints: the list; admins create, disable/enable and rotate secrets (each secret shown
// once); support and admins send a test event.
import { useState } from "preact/hooks";
import { ApiError, seg } from "../api";
import { allows, clientName, useEnv } from "../context";
import { Dialog } from "../dialog";
import { Icon } from "../icons";
import { useLoad } from "../load";
import { Alert, Badge, Empty, ErrorState, Field, Loading, PageHeader, Table, Time } from "../parts";
import { ShownOnce } from "../secret";
import { EVENT_TYPES, type Endpoint, type Page } from "../types";
import { EventTabs } from "./events";

function CreateEndpoint({ clientId, onClose, onCreated }: {
  clientId: string | null;
  onClose: () => void;
  onCreated: (secret: string) => void;
}) {
  const env = useEnv();
  const { t, api, clients } = env;
  const [client, setClient] = useState(clientId ?? clients[0]?.id ?? "");
  const [url, setUrl] = useState("https://");
  const [events, setEvents] = useState<string[]>([]);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await api.post<Endpoint & { secret: string }>("/webhook_endpoints", {
        client_id: client, url: url.trim(), ...(events.length ? { enabled_events: events } : {}),
      });
      onCreated(created.secret);
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, "network_error", ""));
      setBusy(false);
    }
  };
  return (
    <Dialog title={t("webhooks.create")} onClose={onClose}
      actions={<><button type="button" class="button" onClick={onClose}>{t("cancel")}</button>
        <button type="submit" form="endpoint-form" class="button primary" disabled={busy}>{t("webhooks.createSubmit")}</button></>}>
      <form id="endpoint-form" onSubmit={submit} noValidate>
        {clients.length > 1 && (
          <Field label={t("col.client")}>
            {(props) => <select {...props} value={client} onChange={(e) => setClient(e.currentTarget.value)}>
              {clients.map((c) => <option key={c.id} value={c.id}>{c.name}</option>)}
            </select>}
          </Field>
        )}
        <Field label={t("webhooks.url")} hint={t("webhooks.urlHint")}>
          {(props) => <input {...props} type="url" value={url} data-autofocus onInput={(e) => setUrl(e.currentTarget.value)} />}
        </Field>
        <fieldset class="checks">
          <legend>{t("webhooks.events")}</legend>
          <p class="hint">{t("webhooks.eventsHint")}</p>
          {EVENT_TYPES.map((type) => (
            <label key={type} class="check">
              <input type="checkbox" checked={events.includes(type)}
                onChange={(e) => setEvents(e.currentTarget.checked ? [...events, type] : events.filter((x) => x != type))} />
              <span class="mono">{type}</span>
            </label>
          ))}
        </fieldset>
        <Alert error={error} />
      </form>
    </Dialog>
  );
}

export function WebhooksPage({ query }: { query: URLSearchParams }) {
  const env = useEnv();
  const { t, api, session } = env;
  const clientId = query.get("client_id");
  const list = useLoad(() => api.get<Page<Endpoint>>("/webhook_endpoints", { client_id: clientId }), [clientId]);
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const admin = allows(session, "admin");
  const support = allows(session, "support");

  const act = async (endpoint: Endpoint, action: "disable" | "enable" | "rotate_secret" | "test") => {
    setError(null);
    try {
      const answer = await api.post<{ secret?: string } | undefined>(`/webhook_endpoints/${seg(endpoint.id)}/${action}`);
      if (action == "rotate_secret" && answer?.secret) setSecret(answer.secret);
      env.notify(t(`webhooks.done.${action}`));
      list.reload();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, "network_error", ""));
    }
  };

  return (
    <>
      <PageHeader title={t("nav.events")} actions={admin && (
        <button type="button" class="button primary" onClick={() => setCreating(true)}><Icon name="plus" />{t("webhooks.create")}</button>
      )} />
      <EventTabs current="webhooks" />
      <Alert error={error} />
      {list.state == "error" && <ErrorState error={list.error} retry={list.reload} />}
      {list.state == "loading" && !list.data && <Loading />}
      {list.data && list.state != "error" && (list.data.data.length == 0 ? (
        <Empty title={t("webhooks.none")} body={t("webhooks.noneHint")} />
      ) : (
        <Table caption={t("webhooks.title")} busy={list.state == "loading"}
          head={<><th scope="col">{t("webhooks.url")}</th>{env.clients.length > 1 && <th scope="col">{t("col.client")}</th>}<th scope="col">{t("col.status")}</th><th scope="col">{t("webhooks.events")}</th><th scope="col">{t("col.created")}</th>{support && <th scope="col"><span class="sr-only">{t("col.actions")}</span></th>}</>}>
          {list.data.data.map((endpoint) => (
            <tr key={endpoint.id}>
              <th scope="row"><span class="mono break">{endpoint.url}</span></th>
              {env.clients.length > 1 && <td>{clientName(env, endpoint.client_id)}</td>}
              <td>
                {endpoint.disabled ? <Badge tone="neutral">{t("endpoint.disabled")}</Badge>
                  : endpoint.failing_since ? <Badge tone="danger">{t("endpoint.failing")}</Badge>
                  : <Badge tone="success">{t("endpoint.enabled")}</Badge>}
                {endpoint.failing_since && <div class="muted small">{t("endpoint.since")} <Time value={endpoint.failing_since} /></div>}
              </td>
              <td>{endpoint.enabled_events?.length ? endpoint.enabled_events.length : t("webhooks.allEvents")}</td>
              <td><Time value={endpoint.created_at} /></td>
              {support && (
                <td class="row-actions">
                  <button type="button" class="button small" aria-label={t("webhooks.testFor", { url: endpoint.url })} onClick={() => act(endpoint, "test")}>{t("webhooks.test")}</button>
                  {admin && (
                    <>
                      <button type="button" class="button small" aria-label={t(endpoint.disabled ? "webhooks.enableFor" : "webhooks.disableFor", { url: endpoint.url })}
                        onClick={() => act(endpoint, endpoint.disabled ? "enable" : "disable")}>
                        {endpoint.disabled ? t("webhooks.enable") : t("webhooks.disable")}
                      </button>
                      <button type="button" class="button small" aria-label={t("webhooks.rotateFor", { url: endpoint.url })} onClick={() => act(endpoint, "rotate_secret")}>{t("webhooks.rotate")}</button>
                    </>
                  )}
                </td>
              )}
            </tr>
          ))}
        </Table>
      ))}
      {creating && (
        <CreateEndpoint clientId={clientId} onClose={() => setCreating(false)}
          onCreated={(value) => { setCreating(false); setSecret(value); list.reload(); }} />
      )}
      {secret && (
        <Dialog title={t("webhooks.secretTitle")} onClose={() => setSecret(null)}
          actions={<button type="button" class="button primary" onClick={() => setSecret(null)}>{t("done")}</button>}>
          <ShownOnce label={t("webhooks.secret")} value={secret} copyLabel={t("action.copySecret")} />
        </Dialog>
      )}
    </>
  );
}
