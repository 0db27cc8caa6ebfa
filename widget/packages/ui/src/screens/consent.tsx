import { names, useEnv } from "../context";
import type { MessageKey } from "../i18n";
import { Icon, type IconName } from "../icons";
import { Mark } from "../marks";
import { Announce, ExternalLink, Heading, Screen } from "../parts";

const PRODUCTS: Record<string, [MessageKey, IconName]> = {
  accounts: ["consent.accounts", "home"],
  statements: ["consent.statements", "bill"],
  intervals: ["consent.intervals", "chart"],
};

export function Consent() {
  const env = useEnv();
  const { t, controller } = env;
  const { session, busy, error } = controller.state;
  if (!session) return null;
  const values = names(env);
  // "customer" adds nothing the end user would not already read under accounts.
  const products = session.products.flatMap((p) => (PRODUCTS[p] ? [PRODUCTS[p]] : []));
  const agree = (
    <button type="button" class="primary" disabled={busy} onClick={() => controller.agree()}>
      {t("consent.agree")}
    </button>
  );
  return (
    <Screen actions={agree}>
      <div class="pair" aria-hidden="true">
        <Mark name={session.client.name} logo={session.client.logo_url} size="lg" />
        <span class="link-dot">
          <Icon name="link" size={20} />
        </span>
        <span class="mark lg neutral">
          <Icon name="plug" size={28} />
        </span>
      </div>
      <Heading>{t("consent.heading", values)}</Heading>
      <p class="lead">{t("consent.intro", values)}</p>
      <ul class="features">
        {products.map(([key, icon]) => (
          <li key={key}>
            <span class="feature-icon">
              <Icon name={icon} size={20} />
            </span>
            <span>{t(key)}</span>
          </li>
        ))}
      </ul>
      <p class="note">
        <Icon name="lock" size={16} />
        <span>{t("consent.purpose", values)}</span>
      </p>
      {(session.terms_url || session.privacy_url) && (
        <p class="small legal">
          {session.terms_url && <ExternalLink href={session.terms_url}>{t("consent.terms")}</ExternalLink>}
          {session.privacy_url && <ExternalLink href={session.privacy_url}>{t("consent.privacy")}</ExternalLink>}
        </p>
      )}
      <Announce message={error} kind="alert" />
    </Screen>
  );
}
