import { describe, expect, it } from "vitest";
import {
  backCancelsAttempt, backFrom, exitStatusFor, methodScreen, mfaStarted, resultForAttempt, screenForAttempt, screenForSession, searchParams,
  setupKeyProblem, takesSetupKey, wrongCode,
} from "../src/flow";
import { attempt, session } from "./fakes";

describe("screens from attempt statuses", () => {
  it.each([
    ["queued", "connecting"],
    ["connecting", "connecting"],
    ["mfa_method", "mfa_method"],
    ["mfa_code", "mfa_code"],
    ["verified", "success"],
    ["rejected", "result"],
    ["timeout", "result"],
    ["error", "result"],
    ["pending", "result"],
  ] as const)("%s shows %s", (status, screen) => {
    expect(screenForAttempt(attempt({ status }))).toBe(screen);
  });

  it.each([
    [{ status: "rejected", status_detail: "INVALID_CREDENTIALS" }, "rejected", "rejected"],
    [{ status: "rejected", status_detail: "ACCOUNT_LOCKED" }, "locked", "rejected"],
    [{ status: "rejected", status_detail: "MULTI_FACTOR_AUTHENTICATION_REQUIRED" }, "mfaFailed", "rejected"],
    [{ status: "rejected", status_detail: "UNSUPPORTED_MULTI_FACTOR_AUTHENTICATION" }, "unsupportedMfa", "rejected"],
    [{ status: "timeout", status_detail: "UTILITY_UNAVAILABLE" }, "timeout", "timeout"],
    [{ status: "error", status_detail: "UTILITY_UNAVAILABLE" }, "error", "error"],
    [{ status: "pending" }, "pending", "pending"],
  ] as const)("%o is a %s result, closed as %s", (patch, kind, exit) => {
    const result = resultForAttempt(attempt(patch));
    expect(result).toBe(kind);
    expect(exitStatusFor("result", result, false)).toBe(exit);
  });
});

describe("exit statuses", () => {
  it("is user_initiated_exit before any result, verified after success", () => {
    expect(exitStatusFor("credentials", null, false)).toBe("user_initiated_exit");
    expect(exitStatusFor("credentials", "rejected", false)).toBe("user_initiated_exit");
    expect(exitStatusFor("closed", null, true)).toBe("verified");
    expect(exitStatusFor("unsupported", null, false)).toBe("unavailable_utility_credentials_submitted");
    expect(exitStatusFor("result", "ended", false)).toBe("token_invalid");
  });
});

describe("wrong codes", () => {
  const code = (left: number | null, seq = 2) =>
    attempt({ status: "mfa_code", seq, mfa: { options: [], selected_option_id: "sms", attempts_left: left } });

  it("are seen only when attempts_left falls on the code screen", () => {
    expect(wrongCode(code(5), code(4, 3))).toBe(4);
    expect(wrongCode(code(4), code(3, 3))).toBe(3);
    expect(wrongCode(code(null), code(4, 3))).toBeNull();
    expect(wrongCode(code(null), code(null, 3))).toBeNull();
    expect(wrongCode(code(3), code(3, 3))).toBeNull(); // a resend, not a wrong code
    expect(wrongCode(null, code(2))).toBeNull(); // resumed after a reload: cannot tell
  });

  it("are not claimed when the code screen first appears", () => {
    const method = attempt({ status: "mfa_method", seq: 2, mfa: { options: [], selected_option_id: null, attempts_left: null } });
    const connecting = attempt({ status: "connecting", seq: 1 });
    expect(wrongCode(method, code(5, 3))).toBeNull();
    expect(wrongCode(connecting, code(5, 3))).toBeNull();
  });
});

describe("MFA_REQUIRED", () => {
  const at = (status: string, seq: number) =>
    attempt({ status, seq, mfa: { options: [], selected_option_id: null, attempts_left: 5 } } as never);

  it("is reported once, when the dialog starts at the method or (one option) at the code", () => {
    expect(mfaStarted(at("connecting", 1), at("mfa_method", 2))).toBe(true);
    expect(mfaStarted(at("connecting", 1), at("mfa_code", 2))).toBe(true);
    expect(mfaStarted(null, at("mfa_code", 2))).toBe(true);
    expect(mfaStarted(at("mfa_method", 2), at("mfa_code", 3))).toBe(false);
    expect(mfaStarted(at("mfa_code", 2), at("mfa_code", 3))).toBe(false);
    expect(mfaStarted(at("mfa_code", 2), at("connecting", 3))).toBe(false);
  });
});

describe("where a session opens and Back leads", () => {
  it("opens at the server's step; update mode at credentials, MFA refresh at the method step", () => {
    expect(screenForSession(session({ step: "consent" }))).toBe("consent");
    expect(screenForSession(session({ step: "credentials", mode: "update" }))).toBe("credentials");
    expect(screenForSession(session({ step: "mfa_refresh", mode: "update" }))).toBe("mfa_refresh");
    expect(screenForSession(session({ step: "closed" }))).toBe("ended");
    const unsupported = session({ step: "credentials", utility: { id: "u", name: "U", commodities: [], status: "unsupported" } });
    expect(screenForSession(unsupported)).toBe("unsupported");
  });

  it("goes back only where the server lets the end user change their mind", () => {
    expect(backFrom("credentials", session())).toBe("utility");
    expect(backFrom("utility", session())).toBe("consent");
    expect(backFrom("credentials", session({ utility_preselected: true }))).toBeNull();
    expect(backFrom("credentials", session({ mode: "update" }))).toBeNull();
    expect(backFrom("connecting", session())).toBeNull();
    expect(backFrom("success", session())).toBeNull();
  });

  it("leads Back from the MFA dialog to the method screen or, cancelling, to the sign-in form", () => {
    const one = attempt({ status: "mfa_code", mfa: { options: [{ id: "a", method: "sms", destination: "x" }] } });
    const several = attempt({
      status: "mfa_code",
      mfa: { options: [{ id: "a", method: "sms", destination: "x" }, { id: "b", method: "email", destination: "y" }] },
    });
    expect(backFrom("mfa_code", session(), several)).toBe("mfa_method");
    expect(backFrom("mfa_code", session(), one)).toBe("credentials");
    expect(backFrom("mfa_method", session({ mode: "update" }), several)).toBe("credentials");
    expect(backCancelsAttempt("mfa_method", "credentials")).toBe(true);
    expect(backCancelsAttempt("mfa_code", "credentials")).toBe(true);
    expect(backCancelsAttempt("mfa_code", "mfa_method")).toBe(false);
    expect(backCancelsAttempt("credentials", "utility")).toBe(false);
    expect(screenForAttempt(attempt({ status: "cancelled", finished: true }))).toBe("credentials");
  });
});

describe("the utility search field", () => {
  it.each([
    ["", {}],
    ["  ", {}],
    ["94110", { zip: "94110" }],
    [" 94110-1234 ", { zip: "94110" }],
    ["941", null],
    ["94110-", null],
    ["pacific gas", { q: "pacific gas" }],
    ["PG&E 2", { q: "PG&E 2" }],
  ] as const)("reads %j as %j", (text, params) => {
    expect(searchParams(text)).toEqual(params);
  });
});

describe("authenticator setup keys", () => {
  // The same cases as the server's check (tests/test_totp_keys.py).
  it.each([
    ["JBSWY3DPEHPK3PXP", null],
    ["jbsw y3dp ehpk 3pxp", null],
    ["JBSW-Y3DP-EHPK-3PXP====", null],
    ["A".repeat(103), null],
    ["", "missing"],
    ["   ", "missing"],
    ["JBSWY3DPEHPK3PX", "invalid"], // 15 characters
    ["A".repeat(104), "invalid"],
    ["A".repeat(17), "invalid"], // not a whole number of bytes
    ["JBSWY3DPEHPK3PX1", "invalid"], // 1 is not base32
    ["JBSWY3DPEHPK3PXÉ", "invalid"],
  ] as const)("%j is %s", (typed, problem) => {
    expect(setupKeyProblem(typed, true)).toBe(problem);
  });

  it("may be left empty where it is optional (update mode)", () => {
    expect(setupKeyProblem("", false)).toBeNull();
    expect(setupKeyProblem("nope", false)).toBe("invalid");
  });

  it("are asked for utilities that sign in with password_totp only", () => {
    const utility = { id: "u", name: "U", commodities: [], status: "active" as const };
    expect(takesSetupKey({ ...utility, sign_in_kinds: ["password_totp"] })).toBe(true);
    expect(takesSetupKey({ ...utility, sign_in_kinds: ["password", "password_mfa"] })).toBe(false);
    expect(takesSetupKey(utility)).toBe(false);
    expect(takesSetupKey(null)).toBe(false);
  });
});

describe("Green Button Connect in the flow", () => {
  const utility = (connection_methods: ("login" | "green_button" | "file")[]) => ({
    id: "u", name: "U", commodities: ["electric"], status: "active" as const, connection_methods,
  });

  it.each([
    [["green_button", "login", "file"], "green_button"],
    [["file", "green_button"], "green_button"],
    [["login", "green_button"], "credentials"],
    [["login", "file"], "credentials"],
    [["file"], "unsupported"],
  ] as const)("a utility offering %o opens at %s", (methods, screen) => {
    expect(methodScreen(utility([...methods]))).toBe(screen);
    expect(screenForSession(session({ step: "credentials", utility: utility([...methods]) }))).toBe(screen);
  });

  it("update mode for a Green Button credential opens at its screen, with no way back", () => {
    const update = session({ mode: "update", step: "green_button", utility: utility(["green_button", "login"]) });
    expect(screenForSession(update)).toBe("green_button");
    expect(backFrom("green_button", update)).toBeNull();
  });

  it("Back: between the two ways in, from the wait and the result to the offer, from the offer to the utility", () => {
    const first = session({ step: "credentials", utility: utility(["green_button", "login", "file"]) });
    expect(backFrom("green_button", first)).toBe("utility");
    expect(backFrom("credentials", first)).toBe("green_button");
    expect(backFrom("upload", first)).toBe("green_button");
    expect(backFrom("green_button_wait", first)).toBe("green_button");
    expect(backFrom("green_button_result", first)).toBe("green_button");
    const second = session({ step: "credentials", utility: utility(["login", "green_button"]) });
    expect(backFrom("green_button", second)).toBe("credentials");
    expect(backFrom("credentials", second)).toBe("utility");
    expect(backFrom("green_button", { ...first, utility_preselected: true })).toBeNull();
  });

  it("closing after the utility's window ended: denied is the end user's choice, expired or failed an error", () => {
    expect(exitStatusFor("green_button_result", null, false, "denied")).toBe("user_initiated_exit");
    expect(exitStatusFor("green_button_result", null, false, "expired")).toBe("error");
    expect(exitStatusFor("green_button_result", null, false, "failed")).toBe("error");
    expect(exitStatusFor("green_button_wait", null, false)).toBe("user_initiated_exit");
  });
});
