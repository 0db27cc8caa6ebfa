// The screens without a form: waiting, the result, and the end.
import type { ComponentChildren } from "preact";
import { names, useEnv } from "../context";
import { takesFile } from "../files";
import { exitStatusFor, returnUrl, takesSetupKey, type ResultKind } from "../flow";
import type { MessageKey } from "../i18n";
import { Icon, type IconName } from "../icons";
import { Mark, sameOrigin } from "../marks";
import { Badge, ExternalLink, Heading, Screen } from "../parts";

/** The card the loader draws too (connect's overlay.ts): a spinner in the middle, nothing else. */
export function Loading() {
  const { t } = useEnv();
  return (
    <div class="loading">
      <h1 class="sr-only">{t("title")}</h1>
      <span class="spinner" aria-hidden="true" />
      <p role="status" class="sr-only">{t("loading")}</p>
    </div>
  );
}

export function Connecting() {
  const env = useEnv();
  const utility = env.controller.state.session?.utility;
  return (
    <Screen center>
      <span class="working" aria-hidden="true">
        <span class="spinner large" />
        {utility && <Mark name={utility.name} logo={sameOrigin(utility.logo_url) ? utility.logo_url : null} size="lg" />}
      </span>
      <Heading>{env.t("connecting.heading")}</Heading>
      <p role="status" class="lead">{env.t("connecting.body", names(env))}</p>
    </Screen>
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
    <a class="return" href={href}>
      {env.t("success.return", names(env))}
    </a>
  );
}

/** Result screens: a badge, the heading and text in the middle; the ways on at the bottom. */
function Outcome({ icon, tone, heading, children, actions }: {
  icon: IconName;
  tone: "accent" | "danger" | "neutral";
  heading: string;
  children: ComponentChildren;
  actions?: ComponentChildren;
}) {
  return (
    <Screen center actions={actions || <ReturnLink />}>
      <Badge icon={icon} tone={tone} />
      <Heading>{heading}</Heading>
      {children}
    </Screen>
  );
}

export function Success() {
  const env = useEnv();
  const { t, controller } = env;
  const completion = controller.state.completion;
  const values = names(env);
  const accounts = completion?.accounts ?? [];
  const actions = (
    <>
      <button type="button" class="primary" onClick={() => controller.close()}>{t("done")}</button>
      <ReturnLink />
    </>
  );
  return (
    <Screen actions={actions}>
      <div class="center">
        <Badge icon="check" />
        <Heading>{t("success.heading")}</Heading>
        <p class="lead">{t("success.body", values)}</p>
      </div>
      {accounts.length ? (
        <section aria-labelledby="gl-accounts">
          <h2 id="gl-accounts" class="caption">{t("success.accounts")}</h2>
          <ul class="accounts">
            {accounts.map((account) => (
              <li key={account.id}>
                <span class="mark neutral">
                  <Icon name="home" size={20} />
                </span>
                <span class="choice-text">
                  <span class="name nowrap">{t("success.account", { number: account.number })}</span>
                  {address(account.service_address) && <span class="small">{address(account.service_address)}</span>}
                </span>
              </li>
            ))}
          </ul>
        </section>
      ) : (
        <p class="lead center-text">{t("success.noAccounts", values)}</p>
      )}
    </Screen>
  );
}

function address(value: Record<string, unknown> | null | undefined): string {
  if (!value) return "";
  return ["line1", "line2", "city", "state", "postal_code"]
    .map((key) => value[key])
    .filter((part): part is string => typeof part == "string" && part != "")
    .join(", ");
}

const RESULT: Record<ResultKind, [MessageKey, MessageKey, IconName, "danger" | "neutral" | "accent"]> = {
  rejected: ["result.rejected.heading", "result.rejected.body", "alert", "danger"],
  locked: ["result.locked.heading", "result.locked.body", "lock", "danger"],
  mfaFailed: ["result.mfaFailed.heading", "result.mfaFailed.body", "alert", "danger"],
  unsupportedMfa: ["result.unsupportedMfa.heading", "result.unsupportedMfa.body", "lock", "neutral"],
  timeout: ["result.timeout.heading", "result.timeout.body", "clock", "neutral"],
  error: ["result.error.heading", "result.error.body", "alert", "danger"],
  pending: ["result.pending.heading", "result.pending.body", "clock", "accent"],
  ended: ["result.ended.heading", "result.ended.body", "clock", "neutral"],
  notStarted: ["result.notStarted.heading", "result.notStarted.body", "alert", "danger"],
};

/** Kinds the end user can fix by signing in again. */
const RETRY: ReadonlySet<ResultKind> = new Set(["rejected", "locked", "mfaFailed", "timeout", "error", "notStarted"]);

export function Result() {
  const env = useEnv();
  const { t, controller } = env;
  const kind = controller.state.result ?? "error";
  const [heading, general, icon, tone] = RESULT[kind];
  // A refused sign-in with an authenticator key may be the key's fault: say so.
  const withKey = kind == "rejected" && takesSetupKey(controller.state.session?.utility);
  const text = withKey ? "result.rejected.bodyKey" : general;
  // Connect could not start: the reason (no network, too many tries) is the body.
  const body = kind == "notStarted" ? controller.state.error ?? text : text;
  const values = names(env);
  const forgot = controller.state.session?.utility?.forgot_password_url;
  const retry = RETRY.has(kind);
  const actions = (
    <>
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
      <ReturnLink />
    </>
  );
  return (
    <Outcome icon={icon} tone={tone} heading={t(heading, values)} actions={actions}>
      <p role="alert" class="lead">{t(body, values)}</p>
      {forgot && (kind == "rejected" || kind == "locked") && (
        <p>
          <ExternalLink href={forgot}>{t("credentials.forgot")}</ExternalLink>
        </p>
      )}
    </Outcome>
  );
}

/** A utility Connect cannot sign in to: its Green Button file is the way on, where it takes
 * one; else another utility, or close. */
export function Unsupported() {
  const env = useEnv();
  const { t, controller } = env;
  const file = takesFile(controller.state.session?.utility);
  const other = controller.canGoBack && (
    <button type="button" class={file ? "secondary" : "primary"} onClick={() => controller.back()}>
      {t("unsupported.other")}
    </button>
  );
  const actions = file ? (
    <>
      <button type="button" class="primary" onClick={() => controller.chooseUpload()}>{t("upload.offer")}</button>
      {other}
    </>
  ) : (
    <>
      {other}
      <button type="button" class="secondary" onClick={() => controller.close()}>{t("close")}</button>
    </>
  );
  const [heading, body]: [MessageKey, MessageKey] = file
    ? ["unsupported.fileHeading", "unsupported.fileBody"]
    : ["unsupported.heading", "unsupported.body"];
  return (
    <Outcome icon={file ? "file" : "plug"} tone="neutral" heading={t(heading, names(env))} actions={actions}>
      <p class="lead">{t(body, names(env))}</p>
    </Outcome>
  );
}

export function Closed() {
  const { t } = useEnv();
  return (
    <Outcome icon="check" tone="neutral" heading={t("closed.heading")}>
      <p class="lead">{t("closed.body")}</p>
    </Outcome>
  );
}
