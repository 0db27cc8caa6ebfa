// Checks a ConnectConfig once, in create(), so mistakes surface where they were made, with the fix.
import type { ConnectConfig } from "./types";

export const DEFAULT_LOAD_TIMEOUT_MS = 15000;

/**
 * What create() checked: the connect token, the server's URL without a trailing slash, its origin
 * (the frame's) and the load timeout, read once. The callbacks are not copied: they are read from the config when called, so a
 * config whose callbacks change later (the React hook's) calls the newest ones.
 */
export type Checked = [connectToken: string, baseUrl: string, origin: string, loadTimeoutMs: number];

function fail(message: string): never {
  throw new Error("Gridlink: " + message);
}

export function checkConfig(config: ConnectConfig, defaultBaseUrl: string | undefined): Checked {
  const token: unknown = config?.connectToken;
  // One check, one message: a missing token and a pasted client secret or access token (which
  // would leak to every visitor of the page) have the same fix.
  if (typeof token != "string" || !token.startsWith("glct_")) {
    fail("connectToken must be the glct_… token from POST /v1/auth/connect_token.");
  }
  for (const name of ["onSuccess", "onExit", "onEvent", "onLoad"] as const) {
    const callback: unknown = config[name];
    if (typeof callback != "function" && (name == "onSuccess" || callback != null)) fail(name + " must be a function.");
  }
  const timeout = config.loadTimeoutMs ?? DEFAULT_LOAD_TIMEOUT_MS;
  // `| 0` keeps whole numbers below 2^31 only: browsers fire a longer setTimeout at once.
  if (!(timeout === (timeout | 0) && timeout > 0)) fail("loadTimeoutMs must be a positive number.");
  const baseUrl: unknown = config.baseUrl ?? defaultBaseUrl;
  let url: URL | undefined;
  try {
    // (URL converts any value to a string itself.)
    url = new URL(baseUrl as string);
  } catch {
    // reported below
  }
  if (!url || !/^https?:$/.test(url.protocol)) {
    fail("baseUrl must be an http(s) URL, not " + baseUrl);
  }
  return [token, (url.origin + url.pathname).replace(/\/+$/, ""), url.origin, timeout];
}
