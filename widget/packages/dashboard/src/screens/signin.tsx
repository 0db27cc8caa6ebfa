// Sign in: email and password, then the TOTP code when the operator has one (401 totp_required).
import { useEffect, useRef, useState } from "preact/hooks";
import { ApiError, type Api } from "../api";
import { useEnv } from "../context";
import type { Lang } from "../i18n";
import { Icon } from "../icons";
import { Alert, Field, errorText } from "../parts";
import { LanguageSwitch } from "../shell";
import type { Session } from "../types";

export function SignIn({ api, reason, onSignedIn, lang, onLanguage }: {
  api: Api;
  reason: "expired" | "signedOut" | null;
  onSignedIn: (session: Session) => void;
  lang: Lang;
  onLanguage: (lang: Lang) => void;
}) {
  const { t } = useEnv();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [code, setCode] = useState("");
  const [needsCode, setNeedsCode] = useState(false);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);
  const codeField = useRef<HTMLInputElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    document.title = t("signin.title") + " · Gridlink";
    heading.current?.focus();
  }, []);
  useEffect(() => {
    if (needsCode) codeField.current?.focus();
  }, [needsCode]);

  const submit = async (event: Event) => {
    event.preventDefault();
    if (!email.trim() || !password) return setProblem(t("signin.missing"));
    if (needsCode && !code.trim()) return setProblem(t("signin.codeMissing"));
    setBusy(true);
    setProblem(null);
    try {
      const session = await api.signIn({ email: email.trim(), password, ...(needsCode ? { totp_code: code.trim() } : {}) });
      onSignedIn(session);
    } catch (error) {
      const failure = error instanceof ApiError ? error : new ApiError(0, "network_error", "");
      if (failure.code == "totp_required") {
        if (needsCode) setProblem(t("signin.codeWrong"));
        setNeedsCode(true);
        setCode("");
      } else if (failure.code == "sign_in_failed") {
        setProblem(t("signin.failed"));
      } else if (failure.code == "rate_limited") {
        setProblem(failure.retryAfter ? t("signin.rateLimited", { minutes: Math.max(1, Math.ceil(failure.retryAfter / 60)) }) : t("error.rateLimited"));
      } else {
        setProblem(errorText(t, failure));
      }
      setBusy(false);
    }
  };

  return (
    <div class="signin-page">
      <main class="signin-card" aria-labelledby="signin-title">
        <div class="brand-row">
          <span class="logo" aria-hidden="true"><Icon name="plug" size={20} /></span>
          <span class="brand-text">Gridlink</span>
        </div>
        <h1 id="signin-title" ref={heading} tabIndex={-1}>{t("signin.title")}</h1>
        {reason == "expired" && <p class="notice" role="status">{t("signin.expired")}</p>}
        {reason == "signedOut" && <p class="notice" role="status">{t("signin.signedOut")}</p>}
        <form onSubmit={submit} noValidate>
          <Field label={t("signin.email")}>
            {(props) => (
              <input {...props} type="email" autocomplete="username" value={email} required
                onInput={(e) => setEmail(e.currentTarget.value)} />
            )}
          </Field>
          <Field label={t("signin.password")}>
            {(props) => (
              <input {...props} type="password" autocomplete="current-password" value={password} required
                onInput={(e) => setPassword(e.currentTarget.value)} />
            )}
          </Field>
          {needsCode && (
            <Field label={t("signin.code")} hint={t("signin.codeHint")}>
              {(props) => (
                <input {...props} ref={codeField} type="text" inputMode="numeric" autocomplete="one-time-code"
                  pattern="[0-9]*" maxLength={8} value={code} onInput={(e) => setCode(e.currentTarget.value)} />
              )}
            </Field>
          )}
          <Alert text={problem} />
          <button type="submit" class="button primary wide" disabled={busy}>
            {busy ? t("signin.busy") : t("signin.submit")}
          </button>
        </form>
        <LanguageSwitch lang={lang} onLanguage={onLanguage} />
      </main>
    </div>
  );
}
