// Checks a ConnectConfig once, in create(), so mistakes surface where they were made, with the fix.
import type { ConnectConfig } from "./types";

export const DEFAULT_LOAD_TIMEOUT_MS = 15000;

/** A config whose values were checked; baseUrl has no trailing slash. */
export interface CheckedConfig extends ConnectConfig {
  baseUrl: string;
  loadTimeoutMs: number;
}

function fail(message: string): never {
  throw new Error("Gridlink: " + message);
}

export function checkConfig(config: ConnectConfig, defaultBaseUrl: string | undefined): CheckedConfig {
  const token: unknown = config?.connectToken;
  if (!token || typeof token != "string") {
    fail("pass connectToken: the connect_token your backend got from POST /v1/auth/connect_token.");
  }
  if (!token.startsWith("glct_")) {
    // A client secret or access token pasted here would leak to every visitor of the page.
    fail("connectToken must be a glct_… connect token, never a client secret or access token.");
  }
  for (const name of ["onSuccess", "onExit", "onEvent", "onLoad"] as const) {
    const callback: unknown = config[name];
    if (typeof callback != "function" && (name == "onSuccess" || callback != null)) fail(name + " must be a function.");
  }
  const timeout = config.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;
  if (!(Number.isFinite(timeout) && timeout > 0)) fail("loadTimeoutMs must be a positive number of milliseconds.");
  return { ...config, baseUrl: checkBaseUrl(config.baseUrl ?? defaultBaseUrl), loadTimeoutMs: timeout };
}

function checkBaseUrl(baseUrl: unknown): string {
  let url: URL | undefined;
  try {
    url = new URL(String(baseUrl));
  } catch {
    // reported below
  }
  if (!url || !/^https?:$/.test(url.protocol)) {
    fail(`baseUrl must be your Gridlink server's http(s) URL, e.g. https://connect.example.com, not ${baseUrl}.`);
  }
  return (url.origin + url.pathname).replace(/\/+$/, "");
}
