// The screens without a form: waiting, the result, and the end.
import { names, useEnv } from "../context";
import { exitStatusFor, returnUrl, type ResultKind } from "../flow";
import type { MessageKey } from "../i18n";
import { Actions, ExternalLink, Heading } from "../parts";

export function Loading() {
  const { t } = useEnv();
  return (
    <div class="center" role="status">
      <span class="spinner" aria-hidden="true" />
      <p>{t("loading")}</p>
    </div>
  );
}

export function Connecting() {
  const env = useEnv();
  return (
    <div class="center">
      <span class="spinner" aria-hidden="true" />
      <Heading>{env.t("connecting.heading")}</Heading>
      <p role="status">{env.t("connecting.body", names(env))}</p>
    </div>
  );
}

/** On a connect link's page (full page, nothing to close back to): "Return to {client}", when
 * the app gave the link a redirect URI. */
function ReturnLink() {
  const env = useEnv();
  const { session, screen, result, completion } = env.controller.state;
  if (env.page != "link" || !session?.return_uri) return null;
  const status = exitStatusFor(screen, result, completion != null);
  const credential = completion?.utility_credential_id ?? session.utility_credential_id ?? null;
  const href = returnUrl(session.return_uri, status, credential);
  if (!href) return null;
  return (
    <p class="return">
      <a href={href}>{env.t("success.return", names(env))}</a>
    </p>
  );
}

export function Success() {
  const env = useEnv();
  const { t, controller } = env;
  const completion = controller.state.completion;
  const values = names(env);
  const accounts = completion?.accounts ?? [];
  return (
    <>
      <div class="center">
        <span class="tick" aria-hidden="true">✓</span>
        <Heading>{t("success.heading")}</Heading>
        <p>{t("success.body", values)}</p>
      </div>
      {accounts.length ? (
        <section aria-labelledby="gl-accounts">
          <h2 id="gl-accounts">{t("success.accounts")}</h2>
          <ul class="accounts">
            {accounts.map((account) => (
              <li key={account.id}>
                <span class="name">{t("success.account", { number: account.number })}</span>
                {address(account.service_address) && <span class="small">{address(account.service_address)}</span>}
              </li>
            ))}
          </ul>
        </section>
      ) : (
        <p>{t("success.noAccounts", values)}</p>
      )}
      <Actions>
        <button type="button" class="primary" onClick={() => controller.close()}>{t("done")}</button>
      </Actions>
      <ReturnLink />
    </>
  );
}

function address(value: Record<string, unknown> | null | undefined): string {
  if (!value) return "";
  return ["line1", "line2", "city", "state", "postal_code"]
    .map((key) => value[key])
    .filter((part): part is string => typeof part == "string" && part != "")
    .join(", ");
}

const RESULT_TEXT: Record<ResultKind, [MessageKey, MessageKey]> = {
  rejected: ["result.rejected.heading", "result.rejected.body"],
  locked: ["result.locked.heading", "result.locked.body"],
  mfaFailed: ["result.mfaFailed.heading", "result.mfaFailed.body"],
  unsupportedMfa: ["result.unsupportedMfa.heading", "result.unsupportedMfa.body"],
  timeout: ["result.timeout.heading", "result.timeout.body"],
  error: ["result.error.heading", "result.error.body"],
  pending: ["result.pending.heading", "result.pending.body"],
  ended: ["result.ended.heading", "result.ended.body"],
  notStarted: ["result.notStarted.heading", "result.notStarted.body"],
};

/** Kinds the end user can fix by signing in again. */
const RETRY: ReadonlySet<ResultKind> = new Set(["rejected", "locked", "mfaFailed", "timeout", "error", "notStarted"]);

export function Result() {
  const env = useEnv();
  const { t, controller } = env;
  const kind = controller.state.result ?? "error";
  const [heading, text] = RESULT_TEXT[kind];
  // Connect could not start: the reason (no network, too many tries) is the body.
  const body = kind == "notStarted" ? controller.state.error ?? text : text;
  const values = names(env);
  const forgot = controller.state.session?.utility?.forgot_password_url;
  const retry = RETRY.has(kind);
  return (
    <>
      <Heading>{t(heading, values)}</Heading>
      <p role="alert">{t(body, values)}</p>
      {forgot && (kind == "rejected" || kind == "locked") && (
        <p>
          <ExternalLink href={forgot}>{t("credentials.forgot")}</ExternalLink>
        </p>
      )}
      <Actions>
        {retry && (
          <button
            type="button" class="primary"
            onClick={() => (kind == "notStarted" ? controller.restart() : controller.retry())}
          >
            {t("tryAgain")}
          </button>
        )}
        <button type="button" class={retry ? "secondary" : "primary"} onClick={() => controller.close()}>
          {kind == "pending" ? t("done") : t("close")}
        </button>
      </Actions>
      <ReturnLink />
    </>
  );
}

export function Unsupported() {
  const env = useEnv();
  const { t, controller } = env;
  return (
    <>
      <Heading>{t("unsupported.heading", names(env))}</Heading>
      <p>{t("unsupported.body", names(env))}</p>
      <Actions>
        {controller.canGoBack && (
          <button type="button" class="primary" onClick={() => controller.back()}>{t("unsupported.other")}</button>
        )}
        <button type="button" class="secondary" onClick={() => controller.close()}>{t("close")}</button>
      </Actions>
    </>
  );
}

export function Closed() {
  const { t } = useEnv();
  return (
    <div class="center">
      <Heading>{t("closed.heading")}</Heading>
      <p>{t("closed.body")}</p>
      <ReturnLink />
    </div>
  );
}
