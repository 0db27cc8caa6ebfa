// The dashboard: restore the session (or sign in), then the shell and the page the address names.
// A session that ends anywhere (401 session_expired) brings back the sign-in form over the same
// address, so signing in again lands the operator where they were.
import { useEffect, useMemo, useState } from "preact/hooks";
import { Api, ApiError } from "./api";
import { EnvContext, type Env } from "./context";
import { formats } from "./format";
import { initialLanguage, rememberLanguage, translator, type Lang } from "./i18n";
import { Loading } from "./parts";
import { Shell } from "./shell";
import { SignIn } from "./screens/signin";
import type { Client, Page, Session } from "./types";

type Phase =
  | { name: "restoring" }
  | { name: "signedOut"; reason: "expired" | "signedOut" | null }
  | { name: "signedIn"; session: Session; clients: Client[] };

export function App({ api, language }: { api: Api; language?: Lang }) {
  const [lang, setLang] = useState<Lang>(language ?? initialLanguage);
  const [phase, setPhase] = useState<Phase>({ name: "restoring" });
  const [announcement, setAnnouncement] = useState("");
  const t = useMemo(() => translator(lang), [lang]);
  const fmt = useMemo(() => formats(lang), [lang]);

  useEffect(() => {
    document.documentElement.lang = lang;
  }, [lang]);

  const enter = async (session: Session) => {
    let clients: Client[] = [];
    try {
      clients = (await api.get<Page<Client>>("/clients")).data;
    } catch (error) {
      if (error instanceof ApiError && error.status == 401) return; // onSignedOut has taken over
      // The pages still work without names: ids stand in for them.
    }
    setPhase({ name: "signedIn", session, clients });
  };

  useEffect(() => {
    api.onSignedOut = (code) => setPhase({ name: "signedOut", reason: code == "session_expired" ? "expired" : null });
    api.restore().then(enter, (error: unknown) => {
      const expired = error instanceof ApiError && error.code == "session_expired";
      setPhase({ name: "signedOut", reason: expired ? "expired" : null });
    });
  }, [api]);

  const changeLanguage = (next: Lang) => {
    rememberLanguage(next);
    setLang(next);
  };

  if (phase.name == "restoring") {
    return (
      <EnvContext.Provider value={{ t, lang, fmt } as Env}>
        <main class="signin-page"><Loading /></main>
      </EnvContext.Provider>
    );
  }
  if (phase.name == "signedOut") {
    return (
      <EnvContext.Provider value={{ api, t, lang, fmt } as Env}>
        <SignIn api={api} reason={phase.reason} onSignedIn={enter} lang={lang} onLanguage={changeLanguage} />
      </EnvContext.Provider>
    );
  }
  const env: Env = {
    api, t, lang, fmt, session: phase.session, clients: phase.clients,
    notify: (message) => {
      setAnnouncement("");
      setTimeout(() => setAnnouncement(message), 50);
    },
  };
  const signOut = async () => {
    await api.signOut().catch(() => {});
    setPhase({ name: "signedOut", reason: "signedOut" });
  };
  return (
    <EnvContext.Provider value={env}>
      <Shell onSignOut={signOut} onLanguage={changeLanguage} announcement={announcement} />
    </EnvContext.Provider>
  );
}
