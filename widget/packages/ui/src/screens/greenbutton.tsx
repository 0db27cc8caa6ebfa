// Connect through the utility's website (Green Button Connect My Data): the offer, the wait while
// the end user is in the utility's window, and a trip that ended without sharing. The window, the
// polling and the attempt that follows live in the controller (authorization.ts).
import { useEffect, useRef } from "preact/hooks";
import { names, useEnv } from "../context";
import type { MessageKey } from "../i18n";
import { Mark, sameOrigin } from "../marks";
import { Badge, Heading, Screen } from "../parts";

/** The utility's mark, as the sign-in form shows it. */
function UtilityMark() {
  const utility = useEnv().controller.state.session?.utility;
  return utility ? <Mark name={utility.name} logo={sameOrigin(utility.logo_url) ? utility.logo_url : null} size="lg" /> : null;
}

/** The other ways in the utility offers (not in update mode: a Green Button credential stays one). */
function OtherMethods({ disabled = false }: { disabled?: boolean }) {
  const { t, controller } = useEnv();
  const { session } = controller.state;
  if (session?.mode == "update") return null;
  const methods = session?.utility?.connection_methods ?? [];
  return (
    <>
      {methods.includes("login") && (
        <button type="button" class="secondary" disabled={disabled} onClick={() => controller.chooseSignIn()}>
          {t("greenButton.signIn")}
        </button>
      )}
      {methods.includes("file") && (
        <button type="button" class="secondary" disabled={disabled} onClick={() => controller.chooseUpload()}>
          {t("upload.instead")}
        </button>
      )}
    </>
  );
}

export function GreenButtonScreen() {
  const env = useEnv();
  const { t, controller } = env;
  const { busy, error, greenButton } = controller.state;
  const values = names(env);
  const problem = greenButton.problem ?? (error ? t(error, values) : null);
  const actions = (
    <>
      {/* The window opens in this click's own task: a popup blocker allows no other. */}
      <button type="button" class="primary" disabled={busy} onClick={() => controller.connectGreenButton()}>
        {t("greenButton.continue", values)}
      </button>
      <OtherMethods disabled={busy} />
    </>
  );
  return (
    <Screen actions={actions}>
      <UtilityMark />
      <Heading>{t("greenButton.heading", values)}</Heading>
      <p class="lead">{t("greenButton.body", values)}</p>
      <p role="alert" class={problem ? "alert" : "quiet"}>{problem ?? ""}</p>
    </Screen>
  );
}

/** The end user is in the utility's window; the controller polls until the trip ends. */
export function GreenButtonWait() {
  const env = useEnv();
  const { t, controller } = env;
  const { url, blocked, windowClosed } = controller.state.greenButton;
  const values = names(env);
  const shown = useRef(false);

  // The window found closed is news on the same screen: its heading takes the focus.
  useEffect(() => {
    if (shown.current) document.querySelector<HTMLElement>("main h1")?.focus();
    shown.current = true;
  }, [windowClosed]);

  const cancel = (
    <button type="button" class="secondary" onClick={() => controller.cancelGreenButton()}>
      {t("greenButton.cancel")}
    </button>
  );
  // No window could be opened: a plain link opens the utility's page (polling goes on meanwhile).
  const open = url && (
    <a class="primary" href={url} target="_blank" rel="noopener noreferrer">{t("greenButton.open", values)}</a>
  );
  const actions = windowClosed ? (
    <>
      <button type="button" class="primary" onClick={() => controller.connectGreenButton()}>{t("tryAgain")}</button>
      {cancel}
    </>
  ) : blocked ? (
    <>
      {open}
      {cancel}
    </>
  ) : (
    <>
      <button type="button" class="secondary" onClick={() => controller.reopenGreenButton()}>
        {t("greenButton.reopen", values)}
      </button>
      {cancel}
    </>
  );
  const [heading, body]: [MessageKey, MessageKey] = windowClosed
    ? ["greenButton.closedHeading", "greenButton.closedBody"]
    : blocked
      ? ["greenButton.waitHeading", "greenButton.blocked"]
      : ["greenButton.waitHeading", "greenButton.waitBody"];
  return (
    <Screen center actions={actions}>
      <span class="working" aria-hidden="true">
        {!windowClosed && <span class="spinner large" />}
        <UtilityMark />
      </span>
      <Heading>{t(heading, values)}</Heading>
      <p role="status" aria-live="polite" class="lead">{t(body, values)}</p>
    </Screen>
  );
}

/** The trip ended without sharing: the end user said no, or it expired or failed. */
export function GreenButtonResult() {
  const env = useEnv();
  const { t, controller } = env;
  const { end, message } = controller.state.greenButton;
  const values = names(env);
  const denied = end == "denied";
  const generic: MessageKey = end == "expired" ? "greenButton.expired" : "greenButton.failed";
  const actions = (
    <>
      <button type="button" class="primary" onClick={() => controller.connectGreenButton()}>{t("tryAgain")}</button>
      <OtherMethods />
    </>
  );
  return (
    <Screen center actions={actions}>
      <Badge icon={denied ? "lock" : "alert"} tone={denied ? "neutral" : "danger"} />
      <Heading>{t(denied ? "greenButton.deniedHeading" : "greenButton.failedHeading", values)}</Heading>
      <p role="alert" class="lead">{denied ? t("greenButton.deniedBody", values) : message || t(generic, values)}</p>
    </Screen>
  );
}
