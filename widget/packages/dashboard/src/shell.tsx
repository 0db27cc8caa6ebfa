// The frame around every page: navigation (a sidebar, a menu under a top bar at ≤ 900 px), the
// operator and sign-out, the client selector, and the page the address names.
import { useEffect, useRef, useState } from "preact/hooks";
import { allows, useEnv } from "./context";
import { LANGUAGE_NAMES } from "./languages";
import type { Lang, MessageKey } from "./i18n";
import { Icon, type DashboardIcon } from "./icons";
import { href, match, navigate, onLinkClick, useLocation, withChanges, type Location } from "./router";
import { AuditPage } from "./screens/audit";
import { ClientPage, ClientsPage } from "./screens/clients";
import { CredentialPage } from "./screens/credential";
import { CredentialsPage } from "./screens/credentials";
import { EventPage, EventsPage } from "./screens/events";
import { OverviewPage } from "./screens/overview";
import { UserPage, UsersPage } from "./screens/users";
import { WebhooksPage } from "./screens/webhooks";
import { ErrorState } from "./parts";
import { ApiError } from "./api";
import type { Role } from "./types";

interface NavItem {
  path: string;
  label: MessageKey;
  icon: DashboardIcon;
  role: Role;
  /** Other paths that belong to this item (its detail pages). */
  also?: string[];
}

const NAV: NavItem[] = [
  { path: "/", label: "nav.overview", icon: "grid", role: "viewer" },
  { path: "/credentials", label: "nav.credentials", icon: "key", role: "viewer" },
  { path: "/users", label: "nav.users", icon: "users", role: "viewer" },
  { path: "/events", label: "nav.events", icon: "bolt", role: "viewer", also: ["/webhooks"] },
  { path: "/clients", label: "nav.clients", icon: "shield", role: "admin" },
  { path: "/audit", label: "nav.audit", icon: "list", role: "admin" },
];

function isCurrent(item: NavItem, path: string): boolean {
  const roots = [item.path, ...(item.also ?? [])];
  return roots.some((root) => (root == "/" ? path == "/" : path == root || path.startsWith(root + "/")));
}

export function LanguageSwitch({ lang, onLanguage }: { lang: Lang; onLanguage: (lang: Lang) => void }) {
  const { t } = useEnv();
  return (
    <div class="language">
      <label for="language-select">{t("language")}</label>
      <select id="language-select" value={lang} onChange={(e) => onLanguage(e.currentTarget.value as Lang)}>
        {(Object.keys(LANGUAGE_NAMES) as Lang[]).map((code) => (
          <option key={code} value={code} lang={code}>{LANGUAGE_NAMES[code]}</option>
        ))}
      </select>
    </div>
  );
}

function ClientSelect({ location }: { location: Location }) {
  const env = useEnv();
  const { t, clients } = env;
  if (clients.length < 2) return null;
  const selected = location.query.get("client_id") ?? "";
  // Detail pages belong to one record: the selector applies to lists, so it goes to the list.
  const listPath = "/" + (location.path.split("/")[1] ?? "");
  return (
    <div class="client-select">
      <label for="client-select">{t("client.select")}</label>
      <select
        id="client-select" value={selected}
        onChange={(e) => navigate(href(listPath, withChanges(location.query, { client_id: e.currentTarget.value || null })))}
      >
        <option value="">{t("client.all")}</option>
        {clients.map((client) => (
          <option key={client.id} value={client.id}>{client.name}</option>
        ))}
      </select>
    </div>
  );
}

function Page({ location }: { location: Location }) {
  const { session } = useEnv();
  const { path, query } = location;
  const admin = allows(session, "admin");
  let params: Record<string, string> | null;
  if (path == "/") return <OverviewPage query={query} />;
  if (path == "/credentials") return <CredentialsPage query={query} />;
  if ((params = match("/credentials/:id", path))) return <CredentialPage id={params["id"]!} />;
  if (path == "/users") return <UsersPage query={query} />;
  if ((params = match("/users/:client/:user", path))) return <UserPage clientId={params["client"]!} clientUserId={params["user"]!} />;
  if (path == "/events") return <EventsPage query={query} />;
  if ((params = match("/events/:id", path))) return <EventPage id={params["id"]!} />;
  if (path == "/webhooks") return <WebhooksPage query={query} />;
  if (path == "/clients" && admin) return <ClientsPage />;
  if ((params = match("/clients/:id", path)) && admin) return <ClientPage id={params["id"]!} />;
  if (path == "/audit" && admin) return <AuditPage query={query} />;
  const forbidden = ["/clients", "/audit"].some((root) => path == root || path.startsWith(root + "/"));
  return <ErrorState error={new ApiError(forbidden ? 403 : 404, forbidden ? "forbidden" : "not_found", "")} />;
}

export function Shell({ onSignOut, onLanguage, announcement }: {
  onSignOut: () => void;
  onLanguage: (lang: Lang) => void;
  announcement: string;
}) {
  const env = useEnv();
  const { t, session, lang } = env;
  const location = useLocation();
  const [menuOpen, setMenuOpen] = useState(false);
  const main = useRef<HTMLElement>(null);
  const shownPath = useRef<string | null>(null);

  // A new page: close the menu, name the document, and move focus to the page's heading. (Only
  // on a real change of page: this effect may run late, after a click on the menu.)
  useEffect(() => {
    const item = NAV.find((entry) => isCurrent(entry, location.path));
    document.title = (item ? t(item.label) : "Gridlink") + " · Gridlink";
    const previous = shownPath.current;
    shownPath.current = location.path;
    if (previous === null || previous == location.path) return;
    setMenuOpen(false);
    const timer = setTimeout(() => (main.current?.querySelector<HTMLElement>("h1") ?? main.current)?.focus(), 0);
    return () => clearTimeout(timer);
  }, [location.path, lang]);

  // Escape closes the narrow-screen menu and returns focus to its button.
  const menuButton = useRef<HTMLButtonElement>(null);
  useEffect(() => {
    if (!menuOpen) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key != "Escape") return;
      setMenuOpen(false);
      menuButton.current?.focus();
    };
    document.addEventListener("keydown", onKey);
    return () => document.removeEventListener("keydown", onKey);
  }, [menuOpen]);

  const clientId = location.query.get("client_id");
  const items = NAV.filter((item) => allows(session, item.role));

  return (
    <div class="shell" id="app-shell" onClick={onLinkClick}>
      <a class="skip" href="#main">{t("skip")}</a>
      <header class="topbar">
        <a class="brand-row" href={href("/", { client_id: clientId })}>
          <span class="logo" aria-hidden="true"><Icon name="plug" size={20} /></span>
          <span class="brand-text">Gridlink</span>
        </a>
        <button
          ref={menuButton} type="button" class="button menu-button" aria-expanded={menuOpen ? "true" : "false"} aria-controls="sidebar"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          <Icon name="menu" />
          {t("nav.menu")}
        </button>
      </header>
      <aside id="sidebar" class={menuOpen ? "sidebar open" : "sidebar"}>
        <a class="brand-row wide-only" href={href("/", { client_id: clientId })}>
          <span class="logo" aria-hidden="true"><Icon name="plug" size={20} /></span>
          <span class="brand-text">Gridlink</span>
        </a>
        <nav aria-label={t("nav.label")}>
          <ul>
            {items.map((item) => (
              <li key={item.path}>
                <a
                  href={href(item.path, { client_id: clientId })}
                  aria-current={isCurrent(item, location.path) ? "page" : undefined}
                >
                  <Icon name={item.icon} />
                  {t(item.label)}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <ClientSelect location={location} />
        <div class="operator">
          <p class="operator-email" data-testid="operator-email">{session.operator.email}</p>
          <p class="muted small">{t(`role.${session.operator.role}`)}</p>
          <button type="button" class="button small" onClick={onSignOut}>{t("signOut")}</button>
        </div>
        <LanguageSwitch lang={lang} onLanguage={onLanguage} />
      </aside>
      <main id="main" ref={main} tabIndex={-1}>
        <Page location={location} />
      </main>
      <div class="sr-only" role="status" aria-live="polite">{announcement}</div>
    </div>
  );
}
