// Clients (admin): the list, create (its secret shown once), and one client's settings — name,
// allowed origins, redirect URIs, branding — and secret rotation (shown once).
import { useState } from "preact/hooks";
import { ApiError, seg } from "../api";
import { useEnv } from "../context";
import { Confirm, Dialog } from "../dialog";
import { Icon } from "../icons";
import { useLoad } from "../load";
import { Alert, Badge, Card, Empty, ErrorState, Facts, Field, Loading, Mono, PageHeader, Table, Time } from "../parts";
import { href, navigate } from "../router";
import { ShownOnce } from "../secret";
import type { Client, Page } from "../types";

const lines = (text: string): string[] => text.split("\n").map((line) => line.trim()).filter(Boolean);
const failed = (failure: unknown) => (failure instanceof ApiError ? failure : new ApiError(0, "network_error", ""));

function SecretDialog({ secret, onClose }: { secret: string; onClose: () => void }) {
  const { t } = useEnv();
  return (
    <Dialog title={t("clients.secretTitle")} onClose={onClose}
      actions={<button type="button" class="button primary" onClick={onClose}>{t("done")}</button>}>
      <ShownOnce label={t("clients.secret")} value={secret} copyLabel={t("action.copySecret")} />
    </Dialog>
  );
}

function CreateClient({ onClose, onCreated }: { onClose: () => void; onCreated: (client: Client, secret: string) => void }) {
  const { t, api } = useEnv();
  const [name, setName] = useState("");
  const [environment, setEnvironment] = useState("sandbox");
  const [origins, setOrigins] = useState("");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const created = await api.post<Client & { client_secret: string }>("/clients", {
        name: name.trim(), environment, ...(lines(origins).length ? { allowed_origins: lines(origins) } : {}),
      });
      onCreated(created, created.client_secret);
    } catch (failure) {
      setError(failed(failure));
      setBusy(false);
    }
  };
  return (
    <Dialog title={t("clients.create")} onClose={onClose}
      actions={<><button type="button" class="button" onClick={onClose}>{t("cancel")}</button>
        <button type="submit" form="client-form" class="button primary" disabled={busy}>{t("clients.createSubmit")}</button></>}>
      <form id="client-form" onSubmit={submit} noValidate>
        <Field label={t("clients.name")}>
          {(props) => <input {...props} type="text" value={name} data-autofocus onInput={(e) => setName(e.currentTarget.value)} />}
        </Field>
        <Field label={t("clients.environment")}>
          {(props) => <select {...props} value={environment} onChange={(e) => setEnvironment(e.currentTarget.value)}>
            <option value="sandbox">{t("clients.env.sandbox")}</option>
            <option value="live">{t("clients.env.live")}</option>
          </select>}
        </Field>
        <Field label={t("clients.origins")} hint={t("clients.linesHint")}>
          {(props) => <textarea {...props} rows={3} value={origins} onInput={(e) => setOrigins(e.currentTarget.value)} />}
        </Field>
        <Alert error={error} />
      </form>
    </Dialog>
  );
}

export function ClientsPage() {
  const env = useEnv();
  const { t, api } = env;
  const list = useLoad(() => api.get<Page<Client>>("/clients"), []);
  const [creating, setCreating] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  return (
    <>
      <PageHeader title={t("nav.clients")} actions={
        <button type="button" class="button primary" onClick={() => setCreating(true)}><Icon name="plus" />{t("clients.create")}</button>
      } />
      {list.state == "error" && <ErrorState error={list.error} retry={list.reload} />}
      {list.state == "loading" && !list.data && <Loading />}
      {list.data && (list.data.data.length == 0 ? <Empty title={t("clients.none")} /> : (
        <Table caption={t("nav.clients")} head={<><th scope="col">{t("clients.name")}</th><th scope="col">{t("col.id")}</th><th scope="col">{t("clients.environment")}</th><th scope="col" class="num">{t("clients.activeSecrets")}</th><th scope="col">{t("col.created")}</th></>}>
          {list.data.data.map((client) => (
            <tr key={client.id}>
              <th scope="row"><a href={href("/clients/" + encodeURIComponent(client.id))}>{client.name}</a></th>
              <td><Mono>{client.id}</Mono></td>
              <td><Badge tone={client.environment == "live" ? "success" : "info"}>{t(client.environment == "live" ? "clients.env.live" : "clients.env.sandbox")}</Badge></td>
              <td class="num">{client.active_secrets}</td>
              <td><Time value={client.created_at} /></td>
            </tr>
          ))}
        </Table>
      ))}
      {creating && <CreateClient onClose={() => setCreating(false)} onCreated={(_client, value) => { setCreating(false); setSecret(value); list.reload(); }} />}
      {secret && <SecretDialog secret={secret} onClose={() => setSecret(null)} />}
    </>
  );
}

function EditClient({ client, onSaved }: { client: Client; onSaved: () => void }) {
  const { t, api, notify } = useEnv();
  const [name, setName] = useState(client.name);
  const [origins, setOrigins] = useState(client.allowed_origins.join("\n"));
  const [redirects, setRedirects] = useState(client.redirect_uris.join("\n"));
  const [logo, setLogo] = useState(client.branding?.logo_url ?? "");
  const [accent, setAccent] = useState(client.branding?.accent_color ?? "");
  const [error, setError] = useState<ApiError | null>(null);
  const [busy, setBusy] = useState(false);
  const save = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await api.patch(`/clients/${seg(client.id)}`, {
        name: name.trim(), allowed_origins: lines(origins), redirect_uris: lines(redirects),
        branding: { logo_url: logo.trim() || null, accent_color: accent.trim() || null },
      });
      notify(t("clients.saved"));
      onSaved();
    } catch (failure) {
      setError(failed(failure));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form onSubmit={save} noValidate class="settings">
      <Field label={t("clients.name")}>{(p) => <input {...p} type="text" value={name} onInput={(e) => setName(e.currentTarget.value)} />}</Field>
      <Field label={t("clients.origins")} hint={t("clients.originsHint")}>{(p) => <textarea {...p} rows={3} value={origins} onInput={(e) => setOrigins(e.currentTarget.value)} />}</Field>
      <Field label={t("clients.redirects")} hint={t("clients.redirectsHint")}>{(p) => <textarea {...p} rows={3} value={redirects} onInput={(e) => setRedirects(e.currentTarget.value)} />}</Field>
      <Field label={t("clients.logo")} hint={t("clients.logoHint")}>{(p) => <input {...p} type="url" value={logo} onInput={(e) => setLogo(e.currentTarget.value)} />}</Field>
      <Field label={t("clients.accent")} hint={t("clients.accentHint")}>{(p) => <input {...p} type="text" value={accent} placeholder="#1f5fbf" pattern="#[0-9a-fA-F]{6}" onInput={(e) => setAccent(e.currentTarget.value)} />}</Field>
      <Alert error={error} />
      <button type="submit" class="button primary" disabled={busy}>{t("clients.save")}</button>
    </form>
  );
}

export function ClientPage({ id }: { id: string }) {
  const env = useEnv();
  const { t, api } = env;
  const list = useLoad(() => api.get<Page<Client>>("/clients"), [id]);
  const [rotating, setRotating] = useState(false);
  const [secret, setSecret] = useState<string | null>(null);
  const [error, setError] = useState<ApiError | null>(null);
  const client = list.data?.data.find((item) => item.id == id);
  const rotate = async () => {
    setError(null);
    try {
      const answer = await api.post<{ client_secret: string }>(`/clients/${seg(id)}/rotate_secret`);
      setRotating(false);
      setSecret(answer.client_secret);
      list.reload();
    } catch (failure) {
      setError(failed(failure));
    }
  };
  if (list.state == "error") return <ErrorState error={list.error} retry={list.reload} />;
  if (!list.data) return <Loading />;
  if (!client) return <ErrorState error={new ApiError(404, "not_found", "")} />;
  return (
    <>
      <PageHeader eyebrow={<a href={href("/clients")}>{t("nav.clients")}</a>} title={client.name} meta={<Mono>{client.id}</Mono>}
        actions={<>
          <a class="button" href={href("/credentials", { client_id: client.id })} onClick={(e) => { e.preventDefault(); navigate(href("/credentials", { client_id: client.id })); }}>{t("nav.credentials")}</a>
          <button type="button" class="button" onClick={() => setRotating(true)}><Icon name="key" />{t("clients.rotate")}</button>
        </>} />
      <div class="columns">
        <Card title={t("clients.settings")}>
          <EditClient key={client.id + client.name} client={client} onSaved={list.reload} />
        </Card>
        <Card title={t("clients.summary")}>
          <Facts items={[
            [t("clients.environment"), t(client.environment == "live" ? "clients.env.live" : "clients.env.sandbox")],
            [t("clients.activeSecrets"), String(client.active_secrets)],
            [t("col.created"), <Time value={client.created_at} />],
          ]} />
        </Card>
      </div>
      {rotating && (
        <Confirm title={t("clients.rotateTitle")} body={t("clients.rotateBody")} confirm={t("clients.rotate")}
          error={<Alert error={error} />} onConfirm={rotate} onCancel={() => setRotating(false)} />
      )}
      {secret && <SecretDialog secret={secret} onClose={() => setSecret(null)} />}
    </>
  );
}
