import type { ComponentChildren, RefObject } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { names, useEnv } from "../context";
import { takesFile } from "../files";
import { takesSetupKey } from "../flow";
import { Mark, sameOrigin } from "../marks";
import { Announce, ExternalLink, Heading, Screen } from "../parts";

const KEY_ERRORS = new Set(["credentials.keyMissing", "credentials.keyInvalid"]);

export function Credentials() {
  const env = useEnv();
  const { t, controller } = env;
  const { session, busy, error } = controller.state;
  // "Try again" and Back come back here with the username kept (never the password or key).
  const [username, setUsername] = useState(controller.username);
  const [password, setPassword] = useState("");
  const [setupKey, setSetupKey] = useState("");
  const values = names(env);
  const utility = session?.utility;
  const forgot = utility?.forgot_password_url;
  const withKey = takesSetupKey(utility);
  const update = session?.mode == "update";
  const keyError = error != null && KEY_ERRORS.has(error);
  const keyField = useRef<HTMLDivElement>(null);

  // A key that is missing or wrong: its field, with the message right under it, comes into view
  // and takes the focus (the form is taller than the card, so the key may be below the fold).
  useEffect(() => {
    if (!keyError) return;
    keyField.current?.querySelector("input")?.focus({ preventScroll: true });
    keyField.current?.scrollIntoView?.({ block: "nearest" });
  }, [error]);

  function submit(event: Event): void {
    event.preventDefault();
    void controller.submitCredentials(username.trim(), password, setupKey);
  }

  // A file instead of the sign-in (not in update mode: a sign-in connection stays one).
  const fileInstead = takesFile(utility) && !update;
  // The utility's website instead, where it comes after the sign-in in the utility's methods.
  const websiteInstead = (utility?.connection_methods?.includes("green_button") ?? false) && !update;
  const connect = (
    <>
      <button type="submit" class="primary" disabled={busy}>{t("credentials.submit")}</button>
      {websiteInstead && (
        <button type="button" class="secondary" disabled={busy} onClick={() => controller.chooseGreenButton()}>
          {t("greenButton.instead", values)}
        </button>
      )}
      {fileInstead && (
        <button type="button" class="secondary" disabled={busy} onClick={() => controller.chooseUpload()}>
          {t("upload.instead")}
        </button>
      )}
    </>
  );
  return (
    <Screen onSubmit={submit} actions={connect}>
      {utility && <Mark name={utility.name} logo={sameOrigin(utility.logo_url) ? utility.logo_url : null} size="lg" />}
      <Heading>{t(update ? "credentials.headingUpdate" : "credentials.heading", values)}</Heading>
      <p class="lead">{t(withKey ? "credentials.introKey" : "credentials.intro", values)}</p>
      {utility?.status == "degraded" && (
        // The server saw this utility's last sign-ins fail with its site unavailable.
        <p class="note" data-degraded>{t(fileInstead ? "credentials.degradedFile" : "credentials.degraded", values)}</p>
      )}
      <div class="field">
        <label for="gl-username">{t("credentials.username")}</label>
        <input
          id="gl-username" name="username" data-autofocus autoComplete="username" autoCapitalize="none"
          spellcheck={false} maxLength={200} value={username} aria-invalid={error && !keyError ? "true" : undefined}
          onInput={(e) => {
            setUsername(e.currentTarget.value);
            controller.username = e.currentTarget.value;
          }}
        />
      </div>
      <Secret
        id="gl-password" name="password" label={t("credentials.password")} show={t("credentials.show")}
        autoComplete="current-password" maxLength={500} value={password} onInput={setPassword}
        invalid={error != null && !keyError}
      />
      {withKey && (
        <Secret
          id="gl-setup-key" name="totp_secret" label={t("credentials.key")} show={t("credentials.showKey")}
          autoComplete="off" maxLength={200} value={setupKey} onInput={setSetupKey} invalid={keyError}
          hint="gl-setup-key-hint" fieldRef={keyField}
        >
          <Announce message={keyError ? error : null} kind="alert" />
          <p id="gl-setup-key-hint" class="small hint">
            {t("credentials.keyHint", values)}
            {update && ` ${t("credentials.keyHintUpdate")}`}
          </p>
          <details class="help">
            <summary>{t("credentials.keyWhere")}</summary>
            <p class="small">{t("credentials.keyWhereBody", values)}</p>
          </details>
        </Secret>
      )}
      {forgot && (
        <p class="small">
          <ExternalLink href={forgot}>{t("credentials.forgot")}</ExternalLink>
        </p>
      )}
      <Announce message={keyError ? null : error} kind="alert" />
    </Screen>
  );
}

/** A field for a secret: hidden as typed, shown on request. */
function Secret({ id, name, label, show, autoComplete, maxLength, value, onInput, invalid, hint, fieldRef, children }: {
  id: string;
  name: string;
  label: string;
  show: string;
  autoComplete: string;
  maxLength: number;
  value: string;
  onInput: (value: string) => void;
  invalid: boolean;
  hint?: string;
  fieldRef?: RefObject<HTMLDivElement | null>;
  children?: ComponentChildren;
}) {
  const { t } = useEnv();
  const [shown, setShown] = useState(false);
  const props = {
    id, name, autoComplete, maxLength, value,
    autoCapitalize: "none",
    spellcheck: false,
    "aria-invalid": invalid ? "true" : "false",
    "aria-describedby": hint,
    onInput: (e: Event) => onInput((e.currentTarget as HTMLInputElement).value),
  } as const;
  return (
    <div class="field" ref={fieldRef ?? null}>
      <label for={id}>{label}</label>
      <span class="with-button">
        {/* Two elements, not one with a changing type: each keeps its own typing. */}
        {shown ? <input type="text" {...props} /> : <input type="password" {...props} />}
        {/* Short visible text; the accessible name contains it (WCAG 2.5.3). */}
        <button type="button" class="inline" aria-label={show} aria-pressed={shown} onClick={() => setShown(!shown)}>
          {t("credentials.showShort")}
        </button>
      </span>
      {children}
    </div>
  );
}
