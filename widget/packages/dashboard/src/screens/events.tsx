// Events: the log (filter by type and credential) and one event with its webhook deliveries,
// their attempts and next retry, and Redeliver (support and admin).
import { useState } from "preact/hooks";
import { ApiError, seg } from "../api";
import { allows, clientName, useEnv } from "../context";
import { useLoad } from "../load";
import { Alert, Badge, Card, Empty, ErrorState, Facts, Loading, Mono, PageHeader, Pager, Table, Time, credentialHref } from "../parts";
import { href, navigate, useQueryDraft, withChanges } from "../router";
import { EVENT_TYPES, type Delivery, type EventItem, type Page } from "../types";

export function EventTabs({ current }: { current: "events" | "webhooks" }) {
  const { t } = useEnv();
  return (
    <nav class="tabs" aria-label={t("events.sections")}>
      <a href={href("/events")} aria-current={current == "events" ? "page" : undefined}>{t("events.title")}</a>
      <a href={href("/webhooks")} aria-current={current == "webhooks" ? "page" : undefined}>{t("webhooks.title")}</a>
    </nav>
  );
}

export function EventsPage({ query }: { query: URLSearchParams }) {
  const env = useEnv();
  const { t, api } = env;
  const [credential, setCredential] = useQueryDraft(query, "credential_id");
  const params = { client_id: query.get("client_id"), type: query.get("type"), credential_id: query.get("credential_id"), after: query.get("after") };
  const list = useLoad(() => api.get<Page<EventItem>>("/events", params), [JSON.stringify(params)]);
  const go = (changes: Record<string, string | null>) => navigate(href("/events", withChanges(query, changes)));
  return (
    <>
      <PageHeader title={t("nav.events")} />
      <EventTabs current="events" />
      <form class="filter-row" role="search" aria-label={t("filter.label")}
        onSubmit={(e) => { e.preventDefault(); go({ credential_id: credential.trim() || null }); }}>
        <div class="field compact">
          <label for="e-type">{t("events.type")}</label>
          <select id="e-type" value={query.get("type") ?? ""} onChange={(e) => go({ type: e.currentTarget.value || null })}>
            <option value="">{t("filter.any")}</option>
            {EVENT_TYPES.map((type) => <option key={type} value={type}>{type}</option>)}
          </select>
        </div>
        <div class="field compact grow">
          <label for="e-credential">{t("events.credential")}</label>
          <input id="e-credential" type="search" value={credential} placeholder="ucr_…" onInput={(e) => setCredential(e.currentTarget.value)} />
        </div>
        <button type="submit" class="button">{t("filter.apply")}</button>
      </form>
      {list.state == "error" && <ErrorState error={list.error} retry={list.reload} />}
      {list.state == "loading" && !list.data && <Loading />}
      {list.data && list.state != "error" && (list.data.data.length == 0 ? (
        <Empty title={t("events.none")} body={t("events.noneHint")} />
      ) : (
        <>
          <Table caption={t("events.title")} busy={list.state == "loading"}
            head={<><th scope="col">{t("events.type")}</th><th scope="col">{t("events.credential")}</th>{env.clients.length > 1 && <th scope="col">{t("col.client")}</th>}<th scope="col">{t("col.created")}</th></>}>
            {list.data.data.map((event) => (
              <tr key={event.id}>
                <th scope="row"><a class="mono" href={href("/events/" + encodeURIComponent(event.id))}>{event.type}</a></th>
                <td>{event.utility_credential_id ? <a class="mono" href={credentialHref(event.utility_credential_id)}>{event.utility_credential_id}</a> : "—"}</td>
                {env.clients.length > 1 && <td>{event.client_id ? clientName(env, event.client_id) : "—"}</td>}
                <td><Time value={event.created_at} /></td>
              </tr>
            ))}
          </Table>
          <Pager path="/events" query={query} next={list.data.next_cursor} />
        </>
      ))}
    </>
  );
}

const DELIVERY_TONE = { pending: "info", succeeded: "success", failed: "danger" } as const;

export function EventPage({ id }: { id: string }) {
  const env = useEnv();
  const { t, api, session } = env;
  const event = useLoad(() => api.get<{ event: EventItem; deliveries: Delivery[] }>(`/events/${seg(id)}`), [id]);
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const redeliver = async () => {
    setBusy(true);
    setError(null);
    try {
      await api.post(`/events/${seg(id)}/redeliver`);
      env.notify(t("events.redelivered"));
      event.reload();
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, "network_error", ""));
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <PageHeader
        eyebrow={<a href={href("/events")}>{t("events.title")}</a>}
        title={<span class="mono">{event.data?.event.type ?? id}</span>}
        meta={<Mono>{id}</Mono>}
        actions={allows(session, "support") && (
          <button type="button" class="button" disabled={busy} onClick={redeliver}>{t("action.redeliver")}</button>
        )}
      />
      <Alert error={error} />
      {event.state == "error" && <ErrorState error={event.error} retry={event.reload} />}
      {event.state == "loading" && !event.data && <Loading />}
      {event.data && (
        <>
          <Card title={t("events.summary")}>
            <Facts items={[
              [t("col.created"), <Time value={event.data.event.created_at} />],
              [t("events.credential"), event.data.event.utility_credential_id ? <a class="mono" href={credentialHref(event.data.event.utility_credential_id)}>{event.data.event.utility_credential_id}</a> : "—"],
              ...(event.data.event.client_id ? [[t("col.client"), clientName(env, event.data.event.client_id)] as [string, string]] : []),
            ]} />
            <details class="payload">
              <summary>{t("events.payload")}</summary>
              <pre class="mono">{JSON.stringify(event.data.event.data, null, 2)}</pre>
            </details>
          </Card>
          <Card title={t("events.deliveries")}>
            {event.data.deliveries.length == 0 ? <Empty title={t("events.noDeliveries")} /> : event.data.deliveries.map((delivery) => (
              <section class="delivery" key={delivery.id} aria-label={delivery.url}>
                <div class="delivery-head">
                  <span class="mono break">{delivery.url}</span>
                  <Badge tone={DELIVERY_TONE[delivery.status]}>{t(`delivery.${delivery.status}`)}</Badge>
                  {delivery.next_attempt_at && <span class="muted">{t("delivery.nextRetry")} <Time value={delivery.next_attempt_at} /></span>}
                </div>
                {delivery.attempts.length == 0 ? <p class="muted">{t("delivery.noAttempts")}</p> : (
                  <Table caption={t("delivery.attemptsFor", { url: delivery.url })}
                    head={<><th scope="col">{t("delivery.at")}</th><th scope="col" class="num">{t("delivery.statusCode")}</th><th scope="col" class="num">{t("delivery.latency")}</th><th scope="col">{t("delivery.error")}</th></>}>
                    {delivery.attempts.map((attempt, index) => (
                      <tr key={index}>
                        <th scope="row"><Time value={attempt.at} /></th>
                        <td class="num">{attempt.status_code ?? "—"}</td>
                        <td class="num">{attempt.latency_ms == null ? "—" : t("delivery.ms", { ms: env.fmt.number(attempt.latency_ms) })}</td>
                        <td>{attempt.error ?? "—"}</td>
                      </tr>
                    ))}
                  </Table>
                )}
              </section>
            ))}
          </Card>
        </>
      )}
    </>
  );
}
