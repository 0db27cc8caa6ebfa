import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Controller } from "./controller";
import type { Lang, Translate } from "./i18n";
import type { PageKind } from "./launch";

export interface Env {
  controller: Controller;
  t: Translate;
  /** The session's language, for Intl (numbers, dates, plural forms). */
  lang: Lang;
  page: PageKind;
}

export const EnvContext = createContext<Env | null>(null);

export function useEnv(): Env {
  const env = useContext(EnvContext);
  if (!env) throw new Error("EnvContext missing");
  return env;
}

/** Names every message may use: the client's and the utility's. */
export function names(env: Env): { client: string; utility: string } {
  const session = env.controller.state.session;
  return {
    client: session?.client.name ?? env.t("theApp"),
    utility: session?.utility?.name ?? env.controller.state.completion?.utility.name ?? "",
  };
}
