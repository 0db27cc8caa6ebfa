import { useState } from "preact/hooks";
import { names, useEnv } from "../context";
import { Actions, Announce, ExternalLink, Heading } from "../parts";

export function Credentials() {
  const env = useEnv();
  const { t, controller } = env;
  const { session, busy, error } = controller.state;
  const [username, setUsername] = useState("");
  const [password, setPassword] = useState("");
  const [shown, setShown] = useState(false);
  const values = names(env);
  const forgot = session?.utility?.forgot_password_url;

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

  return (
    <>
      <Heading>{t(session?.mode == "update" ? "credentials.headingUpdate" : "credentials.heading", values)}</Heading>
      <p>{t("credentials.intro", values)}</p>
      <form onSubmit={submit} noValidate>
        <div class="field">
          <label for="gl-username">{t("credentials.username")}</label>
          <input
            id="gl-username" name="username" data-autofocus autoComplete="username" autoCapitalize="none"
            spellcheck={false} maxLength={200} value={username} aria-invalid={error ? "true" : undefined}
            onInput={(e) => setUsername(e.currentTarget.value)}
          />
        </div>
        <div class="field">
          <label for="gl-password">{t("credentials.password")}</label>
          <div class="row">
            {/* Two elements, not one with a changing type: each keeps its own typing. */}
            {shown ? (
              <input id="gl-password" name="password" class="grow" type="text" {...passwordProps} />
            ) : (
              <input id="gl-password" name="password" class="grow" type="password" {...passwordProps} />
            )}
            {/* Short visible text (fits 360 px); the accessible name contains it (WCAG 2.5.3). */}
            <button
              type="button" class="secondary" aria-label={t("credentials.show")} aria-pressed={shown}
              onClick={() => setShown(!shown)}
            >
              {t("credentials.showShort")}
            </button>
          </div>
        </div>
        {forgot && (
          <p class="small">
            <ExternalLink href={forgot}>{t("credentials.forgot")}</ExternalLink>
          </p>
        )}
        <Announce message={error} kind="alert" />
        <Actions>
          <button type="submit" class="primary" disabled={busy}>{t("credentials.submit")}</button>
        </Actions>
      </form>
    </>
  );
}
