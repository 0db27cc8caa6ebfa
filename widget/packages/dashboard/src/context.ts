// What every screen reads: the API, the language, the signed-in operator and their clients.
import { createContext } from "preact";
import { useContext } from "preact/hooks";
import type { Api } from "./api";
import type { Formats } from "./format";
import type { Lang, Translate } from "./i18n";
import type { Client, Role, Session } from "./types";

export interface Env {
  api: Api;
  t: Translate;
  lang: Lang;
  fmt: Formats;
  session: Session;
  clients: Client[];
  /** Announces the result of an action (a polite live region in the shell). */
  notify(message: string): void;
}

export const EnvContext = createContext<Env | null>(null);

export function useEnv(): Env {
  const env = useContext(EnvContext);
  if (!env) throw new Error("EnvContext missing");
  return env;
}

const RANK: Record<Role, number> = { viewer: 0, support: 1, admin: 2 };

/** Whether the operator's role reaches `role` (the API enforces the same; the UI hides what would fail). */
export function allows(session: Session, role: Role): boolean {
  return RANK[session.operator.role] >= RANK[role];
}

export function clientName(env: Env, id: string): string {
  return env.clients.find((client) => client.id == id)?.name ?? id;
}
