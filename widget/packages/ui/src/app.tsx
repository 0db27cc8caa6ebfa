// The frame around every screen (back, the client's name and logo, close) and the screen itself.
import type { JSX } from "preact";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import type { SessionView } from "./api";
import { EnvContext, useEnv, type Env } from "./context";
import type { Controller } from "./controller";
import type { Screen } from "./flow";
import { pickLanguage, translator } from "./i18n";
import { Icon } from "./icons";
import type { PageKind } from "./launch";
import { afterPaint, useControllerState } from "./store";
import { applyAccent } from "./theme";
import { Consent } from "./screens/consent";
import { Credentials } from "./screens/credentials";
import { GreenButtonResult, GreenButtonScreen, GreenButtonWait } from "./screens/greenbutton";
import { MfaCode, MfaMethod } from "./screens/mfa";
import { Closed, Connecting, Loading, Result, Success, Unsupported } from "./screens/outcomes";
import { UploadSummary } from "./screens/summary";
import { UploadScreen } from "./screens/upload";
import { UtilityScreen } from "./screens/utility";

const SCREENS: Record<Screen, () => JSX.Element | null> = {
  loading: Loading,
  consent: Consent,
  utility: UtilityScreen,
  credentials: Credentials,
  connecting: Connecting,
  mfa_method: MfaMethod,
  mfa_code: MfaCode,
  upload: UploadScreen,
  upload_summary: UploadSummary,
  green_button: GreenButtonScreen,
  green_button_wait: GreenButtonWait,
  green_button_result: GreenButtonResult,
  success: Success,
  result: Result,
  unsupported: Unsupported,
  closed: Closed,
};

const FOCUSABLE = "a[href], button:not([disabled]), input:not([disabled]), [tabindex='0']";

export interface AppProps {
  controller: Controller;
  page: PageKind;
  /** The browser's preferred languages (navigator.languages): used until the session names one. */
  languages: readonly string[];
}

export function App({ controller, page, languages }: AppProps) {
  const { screen, session } = useControllerState(controller);
  const lang = pickLanguage(session?.language, languages);
  const accent = session?.client.accent_color;
  const t = useMemo(() => translator(lang), [lang]);
  const env: Env = { controller, page, t, lang };
  const root = useRef<HTMLDivElement>(null);

  // Before the paint: the session's language and colours, never a frame of the defaults.
  useLayoutEffect(() => {
    document.documentElement.lang = lang;
    document.title = t("title");
  }, [lang]);
  useLayoutEffect(() => applyAccent(document.documentElement, accent), [accent]);

  // The host hears `ready` (onLoad) once the first real screen is painted, not before.
  const loading = screen == "loading";
  useLayoutEffect(() => (loading ? undefined : afterPaint(() => controller.shown())), [loading]);

  // A new screen: focus its first field, else its heading, so keyboard and screen-reader users
  // start where the screen starts.
  useEffect(() => {
    const main = root.current?.querySelector("main");
    const target = main?.querySelector<HTMLElement>("[data-autofocus]") ?? main?.querySelector<HTMLElement>("h1");
    target?.focus();
  }, [screen]);

  function onKeyDown(event: KeyboardEvent): void {
    if (event.key == "Escape" && screen != "closed") {
      event.preventDefault();
      void controller.close();
    } else if (event.key == "Tab" && root.current) {
      // Inside the host's modal, Tab cycles through Connect instead of leaving the frame.
      const items = [...root.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
      const first = items[0];
      const last = items[items.length - 1];
      if (!first || !last) return;
      const active = document.activeElement;
      if (event.shiftKey && (active == first || !root.current.contains(active))) {
        event.preventDefault();
        last.focus();
      } else if (!event.shiftKey && active == last) {
        event.preventDefault();
        first.focus();
      }
    }
  }

  // Unmounted: no poll runs on, and the utility's window closes. A layout effect: in place from
  // the first commit, so an unmount before the first paint is caught too.
  useLayoutEffect(() => () => controller.dispose(), [controller]);

  useEffect(() => {
    document.addEventListener("keydown", onKeyDown);
    return () => document.removeEventListener("keydown", onKeyDown);
  });

  const Current = SCREENS[screen];
  const client = session?.client;
  return (
    <EnvContext.Provider value={env}>
      <div class="card" ref={root}>
        <header>
          {controller.canGoBack ? (
            <button type="button" class="icon-button" aria-label={t("back")} onClick={() => controller.back()}>
              <Icon name="back" />
            </button>
          ) : (
            <span class="icon-space" />
          )}
          <Brand client={client} />
          {screen != "closed" ? (
            <button type="button" class="icon-button" aria-label={t("close")} onClick={() => controller.close()}>
              <Icon name="close" />
            </button>
          ) : (
            <span class="icon-space" />
          )}
        </header>
        <main>
          <Current />
        </main>
        <footer>
          <Icon name="lock" size={14} />
          {t("securedBy")}
        </footer>
      </div>
    </EnvContext.Provider>
  );
}

/** The client's logo (its name when it has none or it fails to load) at the top of the card. */
function Brand({ client }: { client: SessionView["client"] | undefined }) {
  const { t } = useEnv();
  const [broken, setBroken] = useState(false);
  if (!client) return <span class="brand" />;
  return (
    <span class="brand">
      {client.logo_url && !broken ? (
        <img src={client.logo_url} alt={t("logoAlt", { client: client.name })} onError={() => setBroken(true)} />
      ) : (
        <span class="brand-name">{client.name}</span>
      )}
    </span>
  );
}
