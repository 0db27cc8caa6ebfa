// The pure rules of the flow: which screen an attempt's status shows, what a closed session
// reports, and when a code was wrong. No DOM, no network: unit-tested on their own.
import type { Attempt, SessionView, Utility } from "./api";
import { signsIn } from "./files";
import type { ExitStatus } from "./host";

/** `upload`: pick and send a Green Button file; `upload_summary`: what it held, then Continue.
 * `green_button`: connect through the utility's website (Green Button Connect My Data);
 * `green_button_wait`: the end user is in the utility's window; `green_button_result`: the
 * utility's window ended without sharing (denied, expired, failed). */
export type Screen =
  | "loading" | "consent" | "utility" | "credentials" | "connecting" | "mfa_method" | "mfa_code"
  | "upload" | "upload_summary" | "green_button" | "green_button_wait" | "green_button_result"
  | "success" | "result" | "unsupported" | "closed";

/** How a trip to the utility's website ended short of sharing. */
export type AuthorizationEnd = "denied" | "expired" | "failed";

/** The failure (or wait) a finished attempt — or the session — ended in. */
export type ResultKind =
  | "rejected" | "locked" | "mfaFailed" | "unsupportedMfa" | "timeout" | "error" | "pending" | "ended"
  | "notStarted"; // no session could be opened (network, server error): Connect never started

export function screenForAttempt(attempt: Attempt): Screen {
  switch (attempt.status) {
    case "queued":
    case "connecting":
      return "connecting";
    case "mfa_method":
      return "mfa_method";
    case "mfa_code":
      return "mfa_code";
    case "verified":
      return "success";
    case "cancelled": // the end user went Back from the MFA dialog: sign in again
      return "credentials";
    default:
      return "result";
  }
}

export function resultForAttempt(attempt: Attempt): ResultKind {
  switch (attempt.status) {
    case "timeout":
      return "timeout";
    case "pending":
      return "pending";
    case "rejected":
      if (attempt.status_detail == "ACCOUNT_LOCKED") return "locked";
      if (attempt.status_detail == "UNSUPPORTED_MULTI_FACTOR_AUTHENTICATION") return "unsupportedMfa";
      if (attempt.status_detail == "MULTI_FACTOR_AUTHENTICATION_REQUIRED") return "mfaFailed";
      return "rejected";
    default:
      return "error";
  }
}

/** What `exit` reports when the end user closes on `screen` (protocol: user_initiated_exit
 * unless a result was reached). A refusal on the utility's website is the end user's choice;
 * a trip that expired or failed is an error. */
export function exitStatusFor(
  screen: Screen, result: ResultKind | null, succeeded: boolean, authorization: AuthorizationEnd | null = null,
): ExitStatus {
  if (succeeded) return "verified";
  if (screen == "unsupported") return "unavailable_utility_credentials_submitted";
  if (screen == "green_button_result") return authorization == "denied" || authorization == null ? "user_initiated_exit" : "error";
  if (screen != "result" || result == null) return "user_initiated_exit";
  switch (result) {
    case "timeout":
      return "timeout";
    case "pending":
      return "pending";
    case "error":
    case "notStarted":
      return "error";
    case "ended":
      return "token_invalid";
    default:
      return "rejected";
  }
}

/**
 * Attempts left after a wrong code: only when the code screen was already showing for this
 * attempt and the count fell. (The server shows the full count with the first code screen, and a
 * resend keeps it; after a reload we cannot tell, so nothing is claimed.)
 */
export function wrongCode(previous: Attempt | null, next: Attempt): number | null {
  const left = next.mfa?.attempts_left;
  if (next.status != "mfa_code" || left == null) return null;
  if (previous?.id != next.id || previous.status != "mfa_code") return null;
  const before = previous.mfa?.attempts_left;
  return before != null && left < before ? left : null;
}

/** The attempt has just reached the MFA dialog (method choice or, with one option, the code). */
export function mfaStarted(previous: Attempt | null, next: Attempt): boolean {
  const inMfa = (a: Attempt | null) => a?.status == "mfa_method" || a?.status == "mfa_code";
  return inMfa(next) && !(previous?.id == next.id && inMfa(previous));
}

/** The screen a session opens at (an unfinished attempt is followed instead). */
export function screenForSession(session: SessionView): Screen | "mfa_refresh" | "ended" {
  switch (session.step) {
    case "consent":
      return "consent";
    case "utility":
      return "utility";
    case "credentials":
      return session.utility ? methodScreen(session.utility) : "credentials";
    case "upload":
      return "upload";
    case "green_button":
      return "green_button";
    case "mfa_refresh":
      return "mfa_refresh";
    default:
      return "ended";
  }
}

/** The screen for a utility's first way in, in the order of its `connection_methods`: the Green
 * Button screen when `green_button` comes before `login`, the sign-in form when Connect can sign
 * in, else the screen that offers a file (or says Connect cannot connect it). */
export function methodScreen(utility: Utility | null | undefined): "green_button" | "credentials" | "unsupported" {
  const first = utility?.connection_methods?.find((method) => method == "login" || method == "green_button");
  if (first == "green_button") return "green_button";
  return signsIn(utility) ? "credentials" : "unsupported";
}

/** Where Back leads from `screen`, or null when there is nowhere to go back to. From the MFA
 * code screen it leads to the method screen when there was a choice (the server takes another
 * option); otherwise the MFA dialog leads back to the sign-in form, which ends the attempt
 * (`backCancelsAttempt`) — in every mode, as "Try again" does. From the upload screen it leads
 * to the screen that offered the upload; a stored file (`upload_summary`) has no way back. */
export function backFrom(screen: Screen, session: SessionView | null, attempt: Attempt | null = null): Screen | null {
  const canChooseUtility = session?.mode == "create" && !session.utility_preselected;
  switch (screen) {
    case "utility":
      return session?.mode == "create" ? "consent" : null;
    case "credentials":
      // Reached from the Green Button screen ("Sign in with username and password instead").
      if (session?.mode == "create" && methodScreen(session.utility) == "green_button") return "green_button";
      return canChooseUtility ? "utility" : null;
    case "green_button":
      if (session?.mode != "create") return null; // update mode for a Green Button credential opens here
      // Reached from the sign-in form ("Connect through {utility}'s website instead").
      if (methodScreen(session.utility) == "credentials") return "credentials";
      return canChooseUtility ? "utility" : null;
    case "green_button_wait": // Back is Cancel: the trip is dropped, the popup closed
    case "green_button_result":
      return "green_button";
    case "unsupported":
      return canChooseUtility ? "utility" : null;
    case "mfa_code":
      return (attempt?.mfa?.options.length ?? 0) > 1 ? "mfa_method" : "credentials";
    case "mfa_method":
      return "credentials";
    case "upload":
      // Update mode for a file credential opens here: nowhere to go back to.
      if (session?.mode != "create") return null;
      return methodScreen(session.utility);
    default:
      return null;
  }
}

/** Going from `screen` back to `target` needs the running attempt cancelled first. */
export function backCancelsAttempt(screen: Screen, target: Screen): boolean {
  return (screen == "mfa_method" || screen == "mfa_code") && target == "credentials";
}

/** "Return to {client}" on a connect link's result screens: the link's redirect URI with the
 * exit status and the credential added (its own query kept; never a token). */
export function returnUrl(uri: string, status: ExitStatus, credentialId: string | null): string | null {
  let url: URL;
  try {
    url = new URL(uri);
  } catch {
    return null;
  }
  url.searchParams.set("status", status);
  if (credentialId) url.searchParams.set("utility_credential_id", credentialId);
  return url.toString();
}

/** The utility search's query for the field's text: a ZIP code (ZIP+4 too), else a name, else
 * nothing (the whole list); null while a ZIP code is still being typed. */
export function searchParams(text: string): { zip: string } | { q: string } | Record<string, never> | null {
  const value = text.trim();
  if (!value) return {};
  const zip = /^(\d{5})(-\d{4})?$/.exec(value);
  if (zip) return { zip: zip[1]! };
  if (/^\d+-?\d*$/.test(value)) return null;
  return { q: value };
}

/** Whether signing in to `utility` takes the authenticator app's setup key (a TOTP secret). */
export function takesSetupKey(utility: Utility | null | undefined): boolean {
  return utility?.sign_in_kinds?.includes("password_totp") ?? false;
}

/** What is wrong with a typed setup key, as the server judges it (kit/totp.py): base32 — letters
 * A–Z and digits 2–7, any case, spaces, hyphens and "=" padding ignored — of 16 to 103
 * characters; "missing" when a key is required and empty. The server has the last word. */
export function setupKeyProblem(typed: string, required: boolean): "missing" | "invalid" | null {
  const key = typed.replace(/[\s-]+/g, "").toUpperCase().replace(/=+$/, "");
  if (!key) return required ? "missing" : null;
  return /^[A-Z2-7]{16,103}$/.test(key) && ![1, 3, 6].includes(key.length % 8) ? null : "invalid";
}
