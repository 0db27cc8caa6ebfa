import { names, useEnv } from "../context";
import type { MessageKey } from "../i18n";
import { Actions, Announce, ExternalLink, Heading } from "../parts";

const PRODUCT_TEXT: Record<string, MessageKey> = {
  accounts: "consent.accounts",
  statements: "consent.statements",
  intervals: "consent.intervals",
};

export function Consent() {
  const env = useEnv();
  const { t, controller } = env;
  const { session, busy, error } = controller.state;
  if (!session) return null;
  const values = names(env);
  // "customer" adds nothing the end user would not already read under accounts.
  const products = session.products.map((p) => PRODUCT_TEXT[p]).filter((key): key is MessageKey => !!key);
  return (
    <>
      <Heading>{t("consent.heading", values)}</Heading>
      <p>{t("consent.intro", values)}</p>
      <ul class="checks">
        {products.map((key) => (
          <li key={key}>{t(key)}</li>
        ))}
      </ul>
      <p class="small">{t("consent.purpose", values)}</p>
      {(session.terms_url || session.privacy_url) && (
        <p class="small legal">
          {session.terms_url && <ExternalLink href={session.terms_url}>{t("consent.terms")}</ExternalLink>}
          {session.privacy_url && <ExternalLink href={session.privacy_url}>{t("consent.privacy")}</ExternalLink>}
        </p>
      )}
      <Announce message={error} kind="alert" />
      <Actions>
        <button type="button" class="primary" disabled={busy} onClick={() => controller.agree()}>
          {t("consent.agree")}
        </button>
      </Actions>
    </>
  );
}
