import { describe, expect, it } from "vitest";
import { createReporter, listenToHost } from "../src/host";
import { COMPLETION, recordingHost } from "./fakes";

const HOST = "https://app.example";

describe("messages to the host (loader)", () => {
  it("go to exactly the host origin, with the protocol's envelope", () => {
    const win = recordingHost();
    const reporter = createReporter(win, "loader", HOST);
    reporter.ready();
    reporter.event("OPEN", { session_id: "csn_1" });
    expect(win.sent).toEqual([
      { message: { source: "gridlink", v: 1, type: "ready" }, origin: HOST },
      { message: { source: "gridlink", v: 1, type: "event", name: "OPEN", metadata: { session_id: "csn_1" } }, origin: HOST },
    ]);
  });

  it("send ready and success at most once, exit exactly once and nothing after it", () => {
    const win = recordingHost();
    const reporter = createReporter(win, "loader", HOST);
    reporter.ready();
    reporter.ready();
    reporter.success(COMPLETION);
    reporter.success(COMPLETION);
    reporter.exit("user_initiated_exit", { session_id: "csn_1" });
    reporter.exit("error");
    reporter.event("EXIT");
    const types = win.sent.map((s) => (s.message as { type: string }).type);
    // The loader's EXIT event (onEvent) comes with the one exit (onExit).
    expect(types).toEqual(["ready", "success", "event", "exit"]);
    // After a success the session's result is verified, however it is closed.
    expect(win.sent[3]!.message).toMatchObject({ status: "verified", metadata: { session_id: "csn_1" } });
    expect(win.sent[1]!.message).not.toHaveProperty("client_user_id");
    expect(reporter.ended).toBe(true);
  });

  it("are never sent without a host origin (never to '*')", () => {
    const win = recordingHost();
    const reporter = createReporter(win, "loader", null);
    reporter.ready();
    reporter.exit("error");
    expect(win.sent).toEqual([]);
  });
});

describe("bare iframes and webviews", () => {
  it("post gridlink:connected and gridlink:status to the target origin", () => {
    const win = recordingHost();
    const reporter = createReporter(win, "bare", HOST);
    reporter.event("SELECT_UTILITY", { utility_id: "sandbox_electric" });
    reporter.success(COMPLETION);
    reporter.exit("verified", { session_id: "csn_1" });
    expect(win.sent.map((s) => s.origin)).toEqual([HOST, HOST, HOST]);
    expect(win.sent.map((s) => s.message)).toEqual([
      { source: "gridlink", v: 1, type: "gridlink:status", event: "SELECT_UTILITY", metadata: { utility_id: "sandbox_electric" } },
      {
        source: "gridlink", v: 1, type: "gridlink:connected", utility_credential_id: "ucr_1",
        client_user_id: "user-123", utility_id: "sandbox_electric", authorization_code: "glac_sandbox_x",
      },
      { source: "gridlink", v: 1, type: "gridlink:status", event: "EXIT", metadata: { session_id: "csn_1", status: "verified" } },
    ]);
  });

  it("send EXIT once, with its status and the screen it was closed on, even when asked twice", () => {
    const win = recordingHost();
    const reporter = createReporter(win, "bare", HOST);
    reporter.exit("user_initiated_exit", { session_id: "csn_1" }, "consent");
    reporter.exit("error", {}, "closed");
    reporter.event("EXIT", {});
    expect(win.sent.map((s) => s.message)).toEqual([
      { source: "gridlink", v: 1, type: "gridlink:status", event: "EXIT", metadata: { session_id: "csn_1", view: "consent", status: "user_initiated_exit" } },
    ]);
  });

  it("navigate to gridlinkconnect://<event>?<json> in a webview instead of posting", () => {
    const win = recordingHost();
    const reporter = createReporter(win, "webview", HOST);
    reporter.success(COMPLETION);
    reporter.exit("verified");
    expect(win.sent).toEqual([]);
    expect(win.visited).toHaveLength(2);
    const [connected, status] = win.visited.map((url) => new URL(url));
    expect(connected!.protocol).toBe("gridlinkconnect:");
    expect(win.visited[0]!.startsWith("gridlinkconnect://connected?")).toBe(true);
    expect(JSON.parse(decodeURIComponent(connected!.search.slice(1)))).toMatchObject({ authorization_code: "glac_sandbox_x", client_user_id: "user-123" });
    expect(win.visited[1]!.startsWith("gridlinkconnect://status?")).toBe(true);
    expect(JSON.parse(decodeURIComponent(status!.search.slice(1)))).toMatchObject({ event: "EXIT", metadata: { status: "verified" } });
  });
});

describe("messages from the host", () => {
  function fakeWindow() {
    const target = new EventTarget();
    const parent = {};
    return { win: Object.assign(target, { parent }) as unknown as Window, parent };
  }

  const exit = { source: "gridlink-host", v: 1, type: "exit" };

  it("are accepted only from the host origin and the parent window", () => {
    const { win, parent } = fakeWindow();
    let exits = 0;
    const stop = listenToHost(win, HOST, () => exits++);
    const post = (data: unknown, origin: string, source: unknown) =>
      win.dispatchEvent(new MessageEvent("message", { data, origin, source: source as MessageEventSource }));
    post(exit, "https://evil.example", parent);
    post(exit, HOST, {}); // another window of the host's origin
    post({ ...exit, source: "other" }, HOST, parent);
    post({ ...exit, v: 2 }, HOST, parent);
    expect(exits).toBe(0);
    post(exit, HOST, parent);
    expect(exits).toBe(1);
    stop();
    post(exit, HOST, parent);
    expect(exits).toBe(1);
  });
});
