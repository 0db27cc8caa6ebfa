// Submit credentials: the operator names an end user (new or existing client_user_id) of a client,
// gets a create-mode connect token, and Connect opens over the dashboard. On success the new
// credential's page opens; a pending result opens that end user's newest credential.
import { useState } from "preact/hooks";
import { ApiError } from "../api";
import { openConnect } from "../connect";
import { useEnv } from "../context";
import { Dialog } from "../dialog";
import { Alert, Field, credentialHref, userHref } from "../parts";
import { navigate } from "../router";
import type { ConnectToken, CredentialRow, Page } from "../types";

export function SubmitCredentials({ query, onClose }: { query: URLSearchParams; onClose: () => void }) {
  const env = useEnv();
  const { t, api, clients } = env;
  const [clientId, setClientId] = useState(query.get("client_id") ?? clients[0]?.id ?? "");
  const [endUser, setEndUser] = useState(query.get("client_user_id") ?? "");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiError | null>(null);
  const [missing, setMissing] = useState(false);

  const start = async (event: Event) => {
    event.preventDefault();
    const clientUserId = endUser.trim();
    if (!clientUserId || !clientId) return setMissing(true);
    setBusy(true);
    setError(null);
    try {
      const token = await api.post<ConnectToken>("/connect", { client_id: clientId, client_user_id: clientUserId });
      onClose();
      let succeeded = false;
      openConnect(token.connect_token, {
        onSuccess: (credentialId) => {
          succeeded = true;
          env.notify(t("submit.done"));
          navigate(credentialHref(credentialId));
        },
        onExit: async (status) => {
          if (succeeded || status != "pending") return;
          // Finished later: the end user's newest credential is the one just submitted.
          const list = await api
            .get<Page<CredentialRow>>("/credentials", { client_id: clientId, client_user_id: clientUserId, sort: "-created_at", limit: 1 })
            .catch(() => null);
          const newest = list?.data[0];
          navigate(newest ? credentialHref(newest.id) : userHref(clientId, clientUserId));
        },
      });
    } catch (failure) {
      setError(failure instanceof ApiError ? failure : new ApiError(0, "network_error", ""));
      setBusy(false);
    }
  };

  return (
    <Dialog
      title={t("submit.title")} description={t("submit.intro")} onClose={onClose}
      actions={
        <>
          <button type="button" class="button" onClick={onClose}>{t("cancel")}</button>
          <button type="submit" form="submit-form" class="button primary" disabled={busy}>{t("submit.start")}</button>
        </>
      }
    >
      <form id="submit-form" onSubmit={start} noValidate>
        {clients.length > 1 && (
          <Field label={t("col.client")}>
            {(props) => (
              <select {...props} value={clientId} onChange={(e) => setClientId(e.currentTarget.value)}>
                {clients.map((client) => <option key={client.id} value={client.id}>{client.name}</option>)}
              </select>
            )}
          </Field>
        )}
        <Field label={t("submit.endUser")} hint={t("submit.endUserHint")}>
          {(props) => (
            <div class="input-with-button">
              <input {...props} type="text" value={endUser} data-autofocus aria-invalid={missing && !endUser.trim() ? "true" : undefined}
                onInput={(e) => setEndUser(e.currentTarget.value)} />
              <button type="button" class="button" onClick={() => setEndUser(crypto.randomUUID())}>{t("submit.newId")}</button>
            </div>
          )}
        </Field>
        <Alert text={missing && !endUser.trim() ? t("submit.missing") : null} error={error} />
      </form>
    </Dialog>
  );
}
