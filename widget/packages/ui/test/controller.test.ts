import { describe, expect, it } from "vitest";
import type { Attempt } from "../src/api";
import { Controller } from "../src/controller";
import { createReporter } from "../src/host";
import { COMPLETION, attempt, deferred, fakeApi, recordingHost, session, tick, type Handler } from "./fakes";

const HOST = "https://app.example";

/** A controller on a scripted API; `polls` answers the long-polls one by one. */
function setup(handler: Handler) {
  const polls: { afterSeq: number; answer: (a: Attempt) => void }[] = [];
  const { api, calls } = fakeApi((method, path, body) => {
    const follow = path.match(/^\/attempts\/(\w+)\?after_seq=(\d+)&wait=25$/);
    if (method == "GET" && follow) {
      const next = deferred<Attempt>();
      polls.push({ afterSeq: Number(follow[2]), answer: next.resolve });
      return next.promise;
    }
    return handler(method, path, body);
  });
  const host = recordingHost();
  const stored: (string | null)[] = [];
  const controller = new Controller({
    api,
    reporter: createReporter(host, "loader", HOST),
    persist: (token) => void stored.push(token),
    sleep: () => Promise.resolve(),
  });
  const sent = () => host.sent.map((s) => s.message as { type: string; name?: string; status?: string });
  const events = () => sent().filter((m) => m.type == "event").map((m) => m.name);
  return { controller, calls, polls, host, sent, events, stored };
}

const started = (patch = {}) => ({ session_token: "glcs_sandbox_1", host_origin: HOST, session: session(patch) });

/** A run per embedding style: messages as the host receives them, counted by kind. */
function countsFor(transport: "loader" | "bare" | "webview") {
  const host = recordingHost();
  const polls: ((a: Attempt) => void)[] = [];
  const { api } = fakeApi((method, path) => {
    if (path == "/sessions") return started({ step: "credentials" });
    if (path == "/attempts") return attempt({ status: "queued", seq: 1 });
    if (method == "GET" && path.startsWith("/attempts/")) {
      const next = deferred<Attempt>();
      polls.push(next.resolve);
      return next.promise;
    }
    if (path.endsWith("/complete")) return COMPLETION;
    return undefined;
  });
  const controller = new Controller({ api, reporter: createReporter(host, transport, HOST), persist: () => {}, sleep: () => Promise.resolve() });
  // Each message as a name: the loader's type (event names for events), the bare status event.
  const names = () => [
    ...host.sent.map(({ message }) => {
      const m = message as { type: string; name?: string; event?: string };
      if (m.type == "event") return "event:" + m.name;
      return m.type == "gridlink:status" ? "status:" + m.event : m.type.replace("gridlink:", "");
    }),
    ...host.visited.map((url) => {
      const [, kind, json] = url.match(/^gridlinkconnect:\/\/(\w+)\?(.*)$/)!;
      return kind == "status" ? "status:" + (JSON.parse(decodeURIComponent(json!)) as { event: string }).event : kind!;
    }),
  ];
  return { controller, polls, names, host };
}

describe("every embedding style", () => {
  it.each(["loader", "bare", "webview"] as const)("%s: one success and one exit for a connection closed twice", async (transport) => {
    const { controller, polls, names } = countsFor(transport);
    await controller.start({ frame_ticket: "glwt_sandbox_t" });
    controller.shown();
    void controller.submitCredentials("user_good", "pass_good");
    await tick();
    polls[0]!(attempt({ status: "verified", seq: 2, finished: true }));
    await tick();
    await tick();
    await Promise.all([controller.close(), controller.close()]);
    await controller.close();
    const seen = names();
    const success = transport == "loader" ? "success" : "connected";
    const exit = transport == "loader" ? "exit" : "status:EXIT";
    expect(seen.filter((n) => n == success)).toHaveLength(1);
    expect(seen.filter((n) => n == exit)).toHaveLength(1);
    expect(seen.indexOf(success)).toBeLessThan(seen.indexOf(exit));
    expect(seen.at(-1)).toBe(exit); // nothing after the exit
    if (transport == "loader") expect(seen.filter((n) => n == "event:EXIT")).toHaveLength(1);
  });

  it.each(["loader", "bare", "webview"] as const)("%s: one exit for a session closed before any result", async (transport) => {
    const { controller, names } = countsFor(transport);
    await controller.start({ frame_ticket: "glwt_sandbox_t" });
    await Promise.all([controller.close(), controller.close()]);
    const exit = transport == "loader" ? "exit" : "status:EXIT";
    expect(names().filter((n) => n == exit)).toHaveLength(1);
    expect(names().filter((n) => n == "success" || n == "connected")).toHaveLength(0);
  });

  it("bare: the one EXIT carries the status, the screen and what is known of the session", async () => {
    const { controller, host } = countsFor("bare");
    await controller.start({ frame_ticket: "glwt_sandbox_t" });
    await controller.close();
    const exits = host.sent.map((s) => s.message as { event?: string; metadata?: unknown }).filter((m) => m.event == "EXIT");
    expect(exits).toEqual([expect.objectContaining({
      metadata: { status: "user_initiated_exit", view: "credentials", session_id: "csn_1", utility_id: "sandbox_electric", utility_name: "Sandbox Power & Light" },
    })]);
  });
});

describe("the flow", () => {
  it("goes consent → utility → credentials → connecting → MFA → success, following by long-poll only", async () => {
    const { controller, calls, polls, sent, events, stored } = setup((method, path) => {
      if (path == "/sessions") return started();
      if (path == "/session/consent") return session({ step: "utility" });
      if (path == "/session/utility") return session({ step: "credentials" });
      if (path == "/attempts") return attempt({ status: "queued", seq: 1 });
      if (path.endsWith("/mfa/option")) return attempt({ status: "mfa_method", seq: 2 });
      if (path.endsWith("/mfa/code")) return attempt({ status: "mfa_code", seq: 3 });
      if (path.endsWith("/complete")) return COMPLETION;
      if (path == "/session/exit") return undefined;
      throw new Error(`unexpected ${method} ${path}`);
    });
    await controller.start({ frame_ticket: "glwt_sandbox_t" });
    expect(calls[0]).toMatchObject({ method: "POST", path: "/sessions", body: { frame_ticket: "glwt_sandbox_t" }, auth: null });
    expect(stored).toEqual(["glcs_sandbox_1"]);
    expect(controller.state.screen).toBe("consent");
    // `ready` waits for the UI to paint that screen (test/ready.test.tsx).
    expect(sent().map((m) => m.type)).not.toContain("ready");
    controller.shown();
    expect(sent().at(-1)!.type).toBe("ready");

    await controller.agree();
    expect(calls.at(-1)).toMatchObject({ path: "/session/consent", body: { consent_version: "2026-11-01" }, auth: "Bearer glcs_sandbox_1" });
    expect(controller.state.screen).toBe("utility");
    await controller.chooseUtility(session().utility!);
    expect(controller.state.screen).toBe("credentials");

    void controller.submitCredentials("user_mfa_sms", "pass_good");
    await tick();
    expect(calls.at(-2)).toMatchObject({ path: "/attempts", body: { username: "user_mfa_sms", password: "pass_good" } });
    expect(controller.state.screen).toBe("connecting");
    // One long-poll at a time, each asking for changes after the last seq seen.
    expect(polls.map((p) => p.afterSeq)).toEqual([1]);
    const options = [{ id: "sms", method: "sms" as const, destination: "***-***-4821" }];
    polls[0]!.answer(attempt({ status: "mfa_method", seq: 2, mfa: { options } }));
    await tick();
    expect(controller.state.screen).toBe("mfa_method");
    expect(polls.map((p) => p.afterSeq)).toEqual([1, 2]);

    await controller.chooseMfa("sms");
    expect(controller.state.busy).toBe(true);
    // As the server does: the first code screen shows the full count.
    polls[1]!.answer(attempt({ status: "mfa_code", seq: 3, mfa: { options, selected_option_id: "sms", attempts_left: 5 } }));
    await tick();
    expect(controller.state).toMatchObject({ screen: "mfa_code", busy: false, wrongCode: null });

    await controller.submitCode("000000");
    polls[2]!.answer(attempt({ status: "mfa_code", seq: 4, mfa: { options, selected_option_id: "sms", attempts_left: 4 } }));
    await tick();
    expect(controller.state).toMatchObject({ screen: "mfa_code", wrongCode: 4, busy: false });

    await controller.submitCode("123456");
    polls[3]!.answer(attempt({ status: "verified", seq: 6, finished: true, accounts: COMPLETION.accounts }));
    await tick();
    await tick();
    expect(controller.state.screen).toBe("success");
    expect(polls).toHaveLength(4); // finished: no more polling
    expect(stored.at(-1)).toBeNull(); // a reload must not resume a finished session

    await controller.close();
    await controller.close();
    const types = sent().map((m) => m.type);
    expect(types.filter((t) => t == "success")).toHaveLength(1);
    expect(types.filter((t) => t == "exit")).toHaveLength(1);
    expect(types.indexOf("success")).toBeLessThan(types.indexOf("exit"));
    expect(sent().find((m) => m.type == "exit")!.status).toBe("verified");
    expect(events()).toEqual(expect.arrayContaining([
      "OPEN", "TRANSITION_VIEW", "SELECT_UTILITY", "SUBMIT_CREDENTIALS", "CONNECTING", "MFA_REQUIRED",
      "SELECT_MFA_METHOD", "SUBMIT_MFA", "MFA_CODE_INVALID", "VERIFIED", "EXIT",
    ]));
    // After success the session is already closed server-side: no /session/exit.
    expect(calls.filter((c) => c.path == "/session/exit")).toHaveLength(0);
  });

  it.each([
    [{ status: "rejected", status_detail: "INVALID_CREDENTIALS" }, "rejected", "rejected"],
    [{ status: "rejected", status_detail: "ACCOUNT_LOCKED" }, "locked", "rejected"],
    [{ status: "timeout" }, "timeout", "timeout"],
    [{ status: "error" }, "error", "error"],
    [{ status: "pending" }, "pending", "pending"],
  ] as const)("ends %o on a %s result with a way forward", async (patch, result, exit) => {
    const { controller, polls, sent, calls, host } = setup((_m, path) => {
      if (path == "/sessions") return started({ step: "credentials" });
      if (path == "/attempts") return attempt({ status: "connecting", seq: 1 });
      if (path == "/session/exit") return undefined;
      throw new Error(path);
    });
    await controller.start({ frame_ticket: "glwt_sandbox_t" });
    void controller.submitCredentials("user", "pw");
    await tick();
    polls[0]!.answer(attempt({ ...patch, seq: 2, finished: true }));
    await tick();
    expect(controller.state).toMatchObject({ screen: "result", result });
    // ERROR says why; PENDING is not an error and says nothing of one.
    const outcome = host.sent.map((s) => s.message as { name?: string; metadata?: object }).find((m) => m.name == "PENDING" || m.name == "ERROR")!;
    if (result == "pending") expect(outcome).toMatchObject({ name: "PENDING", metadata: {} });
    else expect(outcome).toMatchObject({ name: "ERROR", metadata: { error_code: "status_detail" in patch ? patch.status_detail : patch.status } });
    expect(outcome.metadata).not.toHaveProperty(result == "pending" ? "error_code" : "none");
    await controller.close();
    expect(calls.at(-1)!.path).toBe("/session/exit");
    expect(sent().at(-1)).toMatchObject({ type: "exit", status: exit });
  });

  it("lets the end user try again after a rejected sign-in", async () => {
    const { controller, polls } = setup((_m, path) => {
      if (path == "/sessions") return started({ step: "credentials" });
      if (path == "/attempts") return attempt({ id: polls.length ? "att_2" : "att_1", seq: 1 });
      throw new Error(path);
    });
    await controller.start({ frame_ticket: "glwt_sandbox_t" });
    void controller.submitCredentials("user", "wrong");
    await tick();
    polls[0]!.answer(attempt({ status: "rejected", status_detail: "INVALID_CREDENTIALS", seq: 2, finished: true }));
    await tick();
    controller.retry();
    expect(controller.state.screen).toBe("credentials");
    void controller.submitCredentials("user", "right");
    await tick();
    expect(controller.state.screen).toBe("connecting");
  });

  it("opens update mode at credentials and an MFA refresh by signing in with the stored login", async () => {
    const { controller, calls } = setup((_m, path) => {
      if (path == "/sessions") return started({ mode: "update", step: "mfa_refresh" });
      if (path == "/attempts") return attempt({ status: "queued", seq: 1 });
      throw new Error(path);
    });
    await controller.start({ connect_link_token: "glcl_sandbox_l" });
    expect(calls[0]!.body).toEqual({ connect_link_token: "glcl_sandbox_l" });
    expect(calls[1]).toMatchObject({ method: "POST", path: "/attempts", body: {} });
    expect(controller.state.screen).toBe("connecting");
  });

  it("shows a used or expired ticket as an ended session, and closes with token_invalid", async () => {
    const { controller, sent } = setup(() => 401);
    await controller.start({ frame_ticket: "glwt_sandbox_used" });
    expect(controller.state).toMatchObject({ screen: "result", result: "ended" });
    await controller.close();
    expect(sent().at(-1)).toMatchObject({ type: "exit", status: "token_invalid" });
  });

  it.each([
    [0, "networkError"],
    [500, "result.notStarted.body"],
  ] as const)("shows a start that failed with %s as a screen that can try the ticket again", async (status, error) => {
    let tries = 0;
    const { controller, sent } = setup((_m, path) => {
      if (path != "/sessions") throw new Error(path);
      if (tries++ == 0) return status == 0 ? Promise.reject(new TypeError("offline")) : status;
      return started();
    });
    await controller.start({ frame_ticket: "glwt_sandbox_t" });
    expect(controller.state).toMatchObject({ screen: "result", result: "notStarted", error });
    await controller.restart();
    expect(controller.state.screen).toBe("consent");
    expect(sent().filter((m) => m.type == "exit")).toEqual([]);
  });

  it("resumes a saved session after a reload and follows its unfinished attempt", async () => {
    const { controller, calls, polls } = setup((_m, path) => {
      if (path == "/session") return session({ step: "credentials", attempt: attempt({ status: "mfa_code", seq: 5, mfa: { options: [] } }) });
      throw new Error(path);
    });
    controller["deps"].api.token = "glcs_sandbox_saved";
    await controller.start(null);
    expect(calls[0]).toMatchObject({ method: "GET", path: "/session", auth: "Bearer glcs_sandbox_saved" });
    expect(controller.state.screen).toBe("mfa_code");
    expect(polls.map((p) => p.afterSeq)).toEqual([5]);
  });

  it("reports an unsupported utility as unavailable_utility_credentials_submitted", async () => {
    const { controller, sent } = setup((_m, path) => {
      if (path == "/sessions") return started({ step: "utility" });
      if (path == "/session/utility") return session({ step: "credentials" });
      if (path == "/session/exit") return undefined;
      throw new Error(path);
    });
    await controller.start({ frame_ticket: "glwt_sandbox_t" });
    await controller.chooseUtility({ id: "eia_1", name: "Far Away Power", commodities: ["electric"], status: "unsupported" });
    expect(controller.state.screen).toBe("unsupported");
    expect(controller.canGoBack).toBe(true);
    await controller.close();
    expect(sent().at(-1)).toMatchObject({ type: "exit", status: "unavailable_utility_credentials_submitted" });
  });

  it("closes once before a result with user_initiated_exit, telling the server first", async () => {
    const { controller, calls, sent } = setup((_m, path) => {
      if (path == "/sessions") return started();
      if (path == "/session/exit") return undefined;
      throw new Error(path);
    });
    await controller.start({ frame_ticket: "glwt_sandbox_t" });
    await Promise.all([controller.close(), controller.close()]);
    expect(calls.filter((c) => c.path == "/session/exit")).toHaveLength(1);
    expect(sent().filter((m) => m.type == "exit")).toEqual([
      { source: "gridlink", v: 1, type: "exit", status: "user_initiated_exit", metadata: { session_id: "csn_1", utility_id: "sandbox_electric", utility_name: "Sandbox Power & Light" } },
    ]);
    expect(controller.state.screen).toBe("closed");
  });

  describe("Back in the MFA dialog", () => {
    const options = [
      { id: "sms", method: "sms" as const, destination: "***-***-4821" },
      { id: "email", method: "email" as const, destination: "u***@example.com" },
    ];

    function inMfa(patch: Partial<Attempt>, mode: "create" | "update" = "create") {
      const t = setup((_m, path) => {
        if (path == "/sessions") return started({ step: "credentials", mode, utility_preselected: true });
        if (path == "/attempts") return attempt({ id: t.polls.length ? "att_2" : "att_1", status: "connecting", seq: 1 });
        if (path.endsWith("/cancel")) return attempt({ ...patch, seq: 2 });
        if (path.endsWith("/mfa/option")) return attempt({ ...patch, seq: 2 });
        throw new Error(path);
      });
      return t;
    }

    async function reach(t: ReturnType<typeof inMfa>, patch: Partial<Attempt>) {
      await t.controller.start({ frame_ticket: "glwt_sandbox_t" });
      void t.controller.submitCredentials("user_mfa_choice", "pass_good");
      await tick();
      t.polls[0]!.answer(attempt({ ...patch, seq: 2 }));
      await tick();
    }

    it("goes from the code screen back to the method screen without ending the attempt", async () => {
      const code = { status: "mfa_code" as const, mfa: { options, selected_option_id: "sms", attempts_left: 5 } };
      const t = inMfa(code);
      await reach(t, code);
      expect(t.controller.state.screen).toBe("mfa_code");
      expect(t.controller.canGoBack).toBe(true);
      await t.controller.back();
      expect(t.controller.state.screen).toBe("mfa_method");
      expect(t.calls.filter((c) => c.path.endsWith("/cancel"))).toHaveLength(0);
      // Another option goes to the same running attempt, which answers with the code screen.
      await t.controller.chooseMfa("email");
      expect(t.calls.at(-1)).toMatchObject({ path: "/attempts/att_1/mfa/option", body: { option_id: "email" } });
      t.polls[1]!.answer(attempt({ status: "mfa_code", seq: 3, mfa: { options, selected_option_id: "email", attempts_left: 5 } }));
      await tick();
      expect(t.controller.state).toMatchObject({ screen: "mfa_code", busy: false });
    });

    it.each([
      ["the method screen", { status: "mfa_method" as const, mfa: { options } }, "create"],
      ["a one-option code screen", { status: "mfa_code" as const, mfa: { options: options.slice(0, 1), selected_option_id: "sms", attempts_left: 5 } }, "create"],
      ["an MFA refresh's method screen", { status: "mfa_method" as const, mfa: { options } }, "update"],
    ] as const)("cancels the attempt from %s and returns to the sign-in form", async (_name, patch, mode) => {
      const t = inMfa(patch, mode);
      await reach(t, patch);
      expect(t.controller.state.screen).toBe(patch.status);
      await t.controller.back();
      expect(t.calls.at(-1)).toMatchObject({ method: "POST", path: "/attempts/att_1/cancel" });
      expect(t.controller.state).toMatchObject({ screen: patch.status, busy: true }); // until the worker ends it
      t.polls[1]!.answer(attempt({ status: "cancelled", seq: 3, finished: true }));
      await tick();
      expect(t.controller.state).toMatchObject({ screen: "credentials", busy: false, result: null });
      expect(t.polls).toHaveLength(2); // ended: no more polling
      void t.controller.submitCredentials("user_mfa_choice", "pass_good");
      await tick();
      expect(t.controller.state.screen).toBe("connecting");
      expect(t.polls).toHaveLength(3);
    });

    it("stays on the MFA screen when the cancel is refused", async () => {
      const t = setup((_m, path) => {
        if (path == "/sessions") return started({ step: "credentials", utility_preselected: true });
        if (path == "/attempts") return attempt({ status: "connecting", seq: 1 });
        if (path.endsWith("/cancel")) return 409;
        throw new Error(path);
      });
      await reach(t as ReturnType<typeof inMfa>, { status: "mfa_method", mfa: { options } });
      await t.controller.back();
      expect(t.controller.state).toMatchObject({ screen: "mfa_method", busy: false });
    });
  });

  it("says when sign-ins are rate limited", async () => {
    const { controller } = setup((_m, path) => (path == "/sessions" ? started({ step: "credentials" }) : 429));
    await controller.start({ frame_ticket: "glwt_sandbox_t" });
    await controller.submitCredentials("user", "pw");
    expect(controller.state).toMatchObject({ screen: "credentials", error: "result.rateLimited", busy: false });
  });
});
