import { useState } from "preact/hooks";
import { names, useEnv } from "../context";
import { Mark, sameOrigin } from "../marks";
import { Announce, ExternalLink, Heading, Screen } from "../parts";

export function Credentials() {
  const env = useEnv();
  const { t, controller } = env;
  const { session, busy, error } = controller.state;
  // "Try again" and Back come back here with the username kept (never the password).
  const [username, setUsername] = useState(controller.username);
  const [password, setPassword] = useState("");
  const [shown, setShown] = useState(false);
  const values = names(env);
  const utility = session?.utility;
  const forgot = utility?.forgot_password_url;

  const passwordProps = {
    autoComplete: "current-password",
    autoCapitalize: "none",
    spellcheck: false,
    maxLength: 500,
    value: password,
    "aria-invalid": error ? "true" : "false",
    onInput: (e: Event) => setPassword((e.currentTarget as HTMLInputElement).value),
  } as const;

  function submit(event: Event): void {
    event.preventDefault();
    void controller.submitCredentials(username.trim(), password);
  }

  const connect = <button type="submit" class="primary" disabled={busy}>{t("credentials.submit")}</button>;
  return (
    <Screen onSubmit={submit} actions={connect}>
      {utility && <Mark name={utility.name} logo={sameOrigin(utility.logo_url) ? utility.logo_url : null} size="lg" />}
      <Heading>{t(session?.mode == "update" ? "credentials.headingUpdate" : "credentials.heading", values)}</Heading>
      <p class="lead">{t("credentials.intro", values)}</p>
      <div class="field">
        <label for="gl-username">{t("credentials.username")}</label>
        <input
          id="gl-username" name="username" data-autofocus autoComplete="username" autoCapitalize="none"
          spellcheck={false} maxLength={200} value={username} aria-invalid={error ? "true" : undefined}
          onInput={(e) => {
            setUsername(e.currentTarget.value);
            controller.username = e.currentTarget.value;
          }}
        />
      </div>
      <div class="field">
        <label for="gl-password">{t("credentials.password")}</label>
        <span class="with-button">
          {/* Two elements, not one with a changing type: each keeps its own typing. */}
          {shown ? (
            <input id="gl-password" name="password" type="text" {...passwordProps} />
          ) : (
            <input id="gl-password" name="password" type="password" {...passwordProps} />
          )}
          {/* Short visible text; the accessible name contains it (WCAG 2.5.3). */}
          <button
            type="button" class="inline" aria-label={t("credentials.show")} aria-pressed={shown}
            onClick={() => setShown(!shown)}
          >
            {t("credentials.showShort")}
          </button>
        </span>
      </div>
      {forgot && (
        <p class="small">
          <ExternalLink href={forgot}>{t("credentials.forgot")}</ExternalLink>
        </p>
      )}
      <Announce message={error} kind="alert" />
    </Screen>
  );
}
