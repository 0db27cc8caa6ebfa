// Connecting through the utility's website (Green Button Connect My Data): where it is offered (in
// the order of connection_methods), the popup opened in the click's own task, the authorization
// polled every second (the callback's message from this page's origin only hurries it), the
// attempt followed to one onSuccess, the ways it ends short of sharing, and nothing left running
// after Close, Cancel, Back or unmount. The network edge (fetch) and window.open are faked; the
// message events are the page's own (jsdom's window).
import { fireEvent, render, screen, waitFor } from "@testing-library/preact";
import axe from "axe-core";
import { beforeEach, describe, expect, it, vi } from "vitest";
import type { Timer } from "../src/authorization";
import type { AuthorizationStatus, SessionView, Utility } from "../src/api";
import { App } from "../src/app";
import { Controller } from "../src/controller";
import { createReporter } from "../src/host";
import type { Lang } from "../src/i18n";
import { COMPLETION, Refusal, attempt, deferred, fakeApi, recordingHost, session, tick, type Handler } from "./fakes";

const CUSTODIAN: Utility = {
  id: "sandbox_electric", name: "Sandbox Power & Light", commodities: ["electric"], status: "active",
  connection_methods: ["green_button", "login", "file"],
};
const URL_AT = "https://custodian.example/oauth/authorize?client_id=gl&state=s1";
const STARTED = { authorization_id: "gba_1", authorization_url: URL_AT, expires_at: "2026-12-06T03:00:00Z" };

/** A window the page opened: records where it was sent, focus and close. */
class FakePopup {
  closed = false;
  focused = 0;
  location = { href: "" };
  focus(): void {
    this.focused += 1;
  }
  close(): void {
    this.closed = true;
  }
}

/** window.open on the page: each call recorded; `blocked` answers null, as a popup blocker does. */
function stubOpen(blocked = false) {
  const popups: FakePopup[] = [];
  const open = vi.spyOn(window, "open").mockImplementation(() => {
    if (blocked) return null;
    const popup = new FakePopup();
    popups.push(popup);
    return popup as unknown as Window;
  });
  return { open, popups };
}

/** The poll's clock, moved by the test (the page's own timers stay real: rendering, effects,
 * waitFor). `pending` counts what is still scheduled: a leaked poll loop keeps one there. */
class Clock {
  private now = 0;
  private due: { at: number; run: () => void }[] = [];

  readonly timer: Timer = (run, ms) => {
    const entry = { at: this.now + ms, run };
    this.due.push(entry);
    return () => void (this.due = this.due.filter((e) => e !== entry));
  };

  get pending(): number {
    return this.due.length;
  }

  /** Runs what falls due within `ms`, in order, letting each poll's answer land. */
  async advance(ms: number): Promise<void> {
    const end = this.now + ms;
    for (;;) {
      await settle();
      const next = this.due.filter((e) => e.at <= end).sort((a, b) => a.at - b.at)[0];
      if (!next) break;
      this.due = this.due.filter((e) => e !== next);
      this.now = next.at;
      next.run();
    }
    this.now = end;
  }
}

/** Lets answers already given (fetch, json, state) land. */
async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await tick();
}

let clock: Clock;

/** The callback page's word, as it reaches this page (origin: this page's own unless given). */
function callback(data: unknown, origin = window.location.origin): void {
  window.dispatchEvent(new MessageEvent("message", { data, origin }));
}

interface Server {
  /** What GET /green_button/authorizations/gba_1 answers next. */
  status: AuthorizationStatus;
  attemptId: string | null;
  message: string | null;
}

const started = (patch: Partial<SessionView>) => ({
  session_token: "glcs_sandbox_1", host_origin: "https://app.example",
  session: session({ step: "credentials", utility: CUSTODIAN, ...patch }),
});

interface Options {
  more?: Handler;
  lang?: Lang;
  /** What POST /green_button/authorizations answers (STARTED unless given). */
  post?: () => unknown;
  /** What the attempt's long-poll answers (verified unless given). */
  follow?: () => unknown;
}

async function mount(patch: Partial<SessionView> = {}, options: Options = {}) {
  const { more = () => undefined, lang = "en", post = () => STARTED } = options;
  const follow = options.follow ?? (() => attempt({ id: "att_gb", status: "verified", seq: 3, finished: true }));
  const server: Server = { status: "pending", attemptId: null, message: null };
  const { api, calls } = fakeApi((method, path, body) => {
    if (path == "/sessions") return started(patch);
    if (method == "POST" && path == "/green_button/authorizations") return post();
    if (path == "/green_button/authorizations/gba_1") {
      return { authorization_id: "gba_1", status: server.status, attempt_id: server.attemptId, message: server.message };
    }
    if (path.startsWith("/attempts/att_gb?")) return follow();
    if (path == "/attempts/att_gb/complete") return { ...COMPLETION, utility_credential_id: "ucr_gb" };
    return more(method, path, body);
  });
  const host = recordingHost();
  const controller = new Controller({
    api, reporter: createReporter(host, "loader", "https://app.example"), persist: () => {}, opener: window, timer: clock.timer,
  });
  const view = render(<App controller={controller} page="frame" languages={[lang]} />);
  await controller.start({ frame_ticket: "glwt_sandbox_t" });
  const messages = () => host.sent.map((s) => s.message as { type: string; name?: string; utility_credential_id?: string; status?: string });
  const polls = () => calls.filter((c) => c.path == "/green_button/authorizations/gba_1").length;
  return { controller, calls, server, messages, polls, view };
}

/** Mounted, then "Continue to …" pressed: the popup open and sent to the custodian. */
async function waiting(patch: Partial<SessionView> = {}, blocked = false) {
  const stub = stubOpen(blocked);
  const mounted = await mount(patch);
  fireEvent.click(await screen.findByRole("button", { name: "Continue to Sandbox Power & Light" }));
  await screen.findByRole("heading", { name: "Finish in the Sandbox Power & Light window" });
  return { ...mounted, ...stub };
}

beforeEach(() => {
  clock = new Clock();
});

describe("where Green Button Connect is offered", () => {
  it("first when green_button comes first: the other ways as links, the sign-in's Back returns", async () => {
    await mount();
    await screen.findByRole("heading", { name: "Connect through Sandbox Power & Light" });
    expect(screen.getByText(
      "You'll sign in on Sandbox Power & Light's website and choose what to share. Acme Energy never sees your Sandbox Power & Light password.",
    )).toBeTruthy();
    expect(screen.getByRole("button", { name: "Upload a Green Button file instead" })).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Sign in with username and password instead" }));
    await screen.findByRole("heading", { name: "Sign in to Sandbox Power & Light" });
    fireEvent.click(screen.getByRole("button", { name: "Back" }));
    await screen.findByRole("heading", { name: "Connect through Sandbox Power & Light" });
    // The file's Back leads here too.
    fireEvent.click(screen.getByRole("button", { name: "Upload a Green Button file instead" }));
    await screen.findByRole("heading", { name: "Upload a Green Button file" });
    fireEvent.click(screen.getByRole("button", { name: "Back" }));
    await screen.findByRole("heading", { name: "Connect through Sandbox Power & Light" });
  });

  it("offers no way the utility does not have", async () => {
    await mount({ utility: { ...CUSTODIAN, connection_methods: ["green_button"] } });
    await screen.findByRole("heading", { name: "Connect through Sandbox Power & Light" });
    expect(screen.queryByRole("button", { name: "Sign in with username and password instead" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Upload a Green Button file instead" })).toBeNull();
    expect(screen.getAllByRole("button").map((b) => b.textContent)).toContain("Continue to Sandbox Power & Light");
  });

  it("as a link on the sign-in form when login comes first; Back returns to the form", async () => {
    await mount({ utility: { ...CUSTODIAN, connection_methods: ["login", "green_button"] } });
    await screen.findByRole("heading", { name: "Sign in to Sandbox Power & Light" });
    fireEvent.click(screen.getByRole("button", { name: "Connect through Sandbox Power & Light's website instead" }));
    await screen.findByRole("heading", { name: "Connect through Sandbox Power & Light" });
    fireEvent.click(screen.getByRole("button", { name: "Back" }));
    await screen.findByRole("heading", { name: "Sign in to Sandbox Power & Light" });
  });

  it("not on the sign-in form of a utility without it", async () => {
    await mount({ utility: { ...CUSTODIAN, connection_methods: ["login", "file"] } });
    await screen.findByRole("heading", { name: "Sign in to Sandbox Power & Light" });
    expect(screen.queryByRole("button", { name: /website instead/ })).toBeNull();
  });

  it("after choosing a utility whose first method is green_button (no sign-in form, no 'unsupported')", async () => {
    const custodianOnly = { ...CUSTODIAN, status: "unsupported" as const, connection_methods: ["green_button" as const] };
    await mount({ step: "utility", utility: null }, {
      more: (_m, path) => {
        if (path.startsWith("/utilities")) return { data: [custodianOnly] };
        if (path == "/session/utility") return session({ step: "credentials", utility: custodianOnly });
        throw new Error(path);
      },
    });
    fireEvent.click(await screen.findByRole("radio", { name: /Sandbox Power & Light/ }));
    fireEvent.click(screen.getByRole("button", { name: "Continue" }));
    const heading = await screen.findByRole("heading", { name: "Connect through Sandbox Power & Light" });
    await waitFor(() => expect(document.activeElement).toBe(heading));
    fireEvent.click(screen.getByRole("button", { name: "Back" }));
    await screen.findByRole("heading", { name: "Find your utility" });
  });

  it("at once in update mode (step green_button), with no way back and no other way in", async () => {
    const { open } = stubOpen();
    await mount({ mode: "update", step: "green_button" });
    await screen.findByRole("heading", { name: "Connect through Sandbox Power & Light" });
    expect(screen.queryByRole("button", { name: "Back" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Sign in with username and password instead" })).toBeNull();
    expect(screen.queryByRole("button", { name: "Upload a Green Button file instead" })).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Continue to Sandbox Power & Light" }));
    expect(open).toHaveBeenCalledTimes(1);
  });

  it("speaks Spanish", async () => {
    await mount({ language: "es" }, { lang: "es" });
    await screen.findByRole("heading", { name: "Conectar a través de Sandbox Power & Light" });
    expect(screen.getByRole("button", { name: "Continuar a Sandbox Power & Light" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Iniciar sesión con usuario y contraseña en su lugar" })).toBeTruthy();
  });
});

describe("the utility's window", () => {
  it("opens blank in the click's own task, before the POST is answered; then goes to the custodian", async () => {
    const { open, popups } = stubOpen();
    const answer = deferred<unknown>();
    const { calls } = await mount({}, { post: () => answer.promise });
    fireEvent.click(await screen.findByRole("button", { name: "Continue to Sandbox Power & Light" }));
    expect(open).toHaveBeenCalledTimes(1); // synchronously, in the click
    expect(open).toHaveBeenCalledWith("", "gridlink_green_button", "popup,width=520,height=720");
    await waitFor(() => expect(calls.some((c) => c.path == "/green_button/authorizations")).toBe(true));
    const post = calls.find((c) => c.path == "/green_button/authorizations")!;
    expect(post).toMatchObject({ method: "POST", body: {}, auth: "Bearer glcs_sandbox_1" });
    expect(popups[0]!.location.href).toBe("");
    expect((screen.getByRole("button", { name: "Continue to Sandbox Power & Light" }) as HTMLButtonElement).disabled).toBe(true);
    answer.resolve(STARTED);
    const heading = await screen.findByRole("heading", { name: "Finish in the Sandbox Power & Light window" });
    expect(popups[0]!.location.href).toBe(URL_AT);
    expect(popups[0]!.closed).toBe(false);
    const status = screen.getByRole("status");
    expect(status.textContent).toBe("Sign in and approve sharing there. This page continues on its own when you're done.");
    expect(status.getAttribute("aria-live")).toBe("polite");
    await waitFor(() => expect(document.activeElement).toBe(heading));
  });

  it("blocked: a link opens the custodian's page instead, and polling goes on", async () => {
    const { polls } = await waiting({}, true);
    const link = screen.getByRole("link", { name: "Open Sandbox Power & Light" });
    expect(link.getAttribute("href")).toBe(URL_AT);
    expect(link.getAttribute("target")).toBe("_blank");
    expect(screen.getByRole("status").textContent).toContain("Your browser didn't open the Sandbox Power & Light window.");
    expect(screen.queryByRole("button", { name: "Reopen the Sandbox Power & Light window" })).toBeNull();
    expect(polls()).toBe(0);
    await clock.advance(1000);
    expect(polls()).toBe(1);
    await clock.advance(1000);
    expect(polls()).toBe(2);
  });

  it("a refusal to start (409) shows the server's words; the blank window closes", async () => {
    const { popups } = stubOpen();
    const { controller } = await mount({}, { post: () => new Refusal(409, "conflict") });
    fireEvent.click(await screen.findByRole("button", { name: "Continue to Sandbox Power & Light" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toBe("refused")); // the fake's message
    expect(popups[0]!.closed).toBe(true);
    expect(controller.state.screen).toBe("green_button");
    expect((screen.getByRole("button", { name: "Continue to Sandbox Power & Light" }) as HTMLButtonElement).disabled).toBe(false);
  });

  it("Reopen brings the open window to the front, or opens a closed one again at the same URL", async () => {
    const { popups, open } = await waiting();
    fireEvent.click(screen.getByRole("button", { name: "Reopen the Sandbox Power & Light window" }));
    expect(popups[0]!.focused).toBe(1);
    popups[0]!.closed = true;
    fireEvent.click(screen.getByRole("button", { name: "Reopen the Sandbox Power & Light window" }));
    expect(open).toHaveBeenLastCalledWith(URL_AT, "gridlink_green_button", "popup,width=520,height=720");
    expect(popups).toHaveLength(2);
  });
});

describe("polling the authorization", () => {
  it("every second while pending; a message only from this origin, of this type and for this trip polls at once", async () => {
    const { polls } = await waiting();
    expect(polls()).toBe(0);
    await clock.advance(999);
    expect(polls()).toBe(0);
    await clock.advance(1);
    expect(polls()).toBe(1);
    callback({ type: "gridlink:green_button", authorization_id: "gba_1" }, "https://evil.example");
    callback({ type: "gridlink:green_button", authorization_id: "gba_other" });
    callback({ type: "something_else", authorization_id: "gba_1" });
    callback("gridlink:green_button");
    await clock.advance(0);
    expect(polls()).toBe(1);
    callback({ type: "gridlink:green_button", authorization_id: "gba_1" });
    await waitFor(() => expect(polls()).toBe(2));
  });

  it("authorized: the attempt is followed like a sign-in's, then completed — onSuccess exactly once", async () => {
    const { server, calls, messages, popups } = await waiting();
    server.status = "authorized";
    server.attemptId = "att_gb";
    callback({ type: "gridlink:green_button", authorization_id: "gba_1" });
    callback({ type: "gridlink:green_button", authorization_id: "gba_1" }); // said twice
    await screen.findByRole("heading", { name: "Your account is connected" });
    await clock.advance(5000);
    callback({ type: "gridlink:green_button", authorization_id: "gba_1" });
    await clock.advance(0);
    expect(calls.filter((c) => c.path.startsWith("/attempts/att_gb?"))[0]!.path).toBe("/attempts/att_gb?after_seq=0&wait=25");
    expect(calls.filter((c) => c.path.endsWith("/complete")).map((c) => c.path)).toEqual(["/attempts/att_gb/complete"]);
    expect(messages().filter((m) => m.type == "success").map((m) => m.utility_credential_id)).toEqual(["ucr_gb"]);
    expect(popups[0]!.closed).toBe(true);
    const polled = calls.filter((c) => c.path == "/green_button/authorizations/gba_1").length;
    await clock.advance(5000);
    expect(calls.filter((c) => c.path == "/green_button/authorizations/gba_1").length).toBe(polled);
  });

  it("authorized without an attempt yet: polling goes on until the attempt is named", async () => {
    const { server, polls } = await waiting();
    server.status = "authorized";
    await clock.advance(2000);
    expect(polls()).toBe(2);
    expect(screen.getByRole("heading", { name: "Finish in the Sandbox Power & Light window" })).toBeTruthy();
    server.attemptId = "att_gb";
    await clock.advance(1000);
    await screen.findByRole("heading", { name: "Your account is connected" });
  });

  it("a failed attempt's Try again returns to the Green Button screen", async () => {
    stubOpen();
    const { server } = await mount({}, { follow: () => attempt({ id: "att_gb", status: "error", seq: 2, finished: true }) });
    server.status = "authorized";
    server.attemptId = "att_gb";
    fireEvent.click(await screen.findByRole("button", { name: "Continue to Sandbox Power & Light" }));
    await screen.findByRole("heading", { name: "Finish in the Sandbox Power & Light window" });
    await clock.advance(1000);
    await screen.findByRole("heading", { name: "Something went wrong" });
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    await screen.findByRole("heading", { name: "Connect through Sandbox Power & Light" });
  });

  it("denied: says so, with Try again (a new window, a new authorization) and the other ways", async () => {
    const { server, popups, calls, open } = await waiting();
    server.status = "denied";
    await clock.advance(1000);
    const heading = await screen.findByRole("heading", { name: "You didn't allow Acme Energy to see your Sandbox Power & Light data." });
    await waitFor(() => expect(document.activeElement).toBe(heading));
    expect(popups[0]!.closed).toBe(true);
    expect(screen.getByRole("button", { name: "Sign in with username and password instead" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Upload a Green Button file instead" })).toBeTruthy();
    server.status = "pending";
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    expect(open).toHaveBeenCalledTimes(2);
    await screen.findByRole("heading", { name: "Finish in the Sandbox Power & Light window" });
    expect(calls.filter((c) => c.method == "POST" && c.path == "/green_button/authorizations")).toHaveLength(2);
  });

  it("expired: the server's message; failed without one: a general line; closing there reports an error", async () => {
    const { server, messages } = await waiting();
    server.status = "expired";
    server.message = "The authorization expired before Sandbox Power & Light answered.";
    await clock.advance(1000);
    await screen.findByRole("heading", { name: "We couldn't connect through Sandbox Power & Light" });
    expect(screen.getByRole("alert").textContent).toBe(server.message);
    server.status = "failed";
    server.message = null;
    fireEvent.click(screen.getByRole("button", { name: "Try again" }));
    await screen.findByRole("heading", { name: "Finish in the Sandbox Power & Light window" });
    await clock.advance(1000);
    await screen.findByText("Sandbox Power & Light didn't finish sharing your data. Try again.");
    fireEvent.click(screen.getByRole("button", { name: "Close" }));
    await screen.findByRole("heading", { name: "Connect is closed" });
    expect(messages().filter((m) => m.type == "exit").map((m) => m.status)).toEqual(["error"]);
  });

  it("the window closed while pending: said after one more poll, with Try again; polling goes on", async () => {
    const { popups, polls, server } = await waiting();
    await clock.advance(1000);
    expect(polls()).toBe(1);
    popups[0]!.closed = true; // closed between two polls
    expect(screen.queryByText(/was closed/)).toBeNull();
    await clock.advance(1000);
    expect(polls()).toBe(2);
    const heading = await screen.findByRole("heading", { name: "The Sandbox Power & Light window was closed before you finished." });
    await waitFor(() => expect(document.activeElement).toBe(heading));
    expect(screen.getByRole("button", { name: "Try again" })).toBeTruthy();
    // A cut opener reads as closed while the end user may still finish: the poll goes on.
    server.status = "authorized";
    server.attemptId = "att_gb";
    await clock.advance(1000);
    await screen.findByRole("heading", { name: "Your account is connected" });
  });

  it("the window closed by the callback page once authorized: no 'closed' message", async () => {
    const { popups, server } = await waiting();
    server.status = "authorized";
    server.attemptId = "att_gb";
    popups[0]!.closed = true;
    await clock.advance(1000);
    await screen.findByRole("heading", { name: "Your account is connected" });
    expect(screen.queryByText(/was closed/)).toBeNull();
  });
});

describe("nothing runs on", () => {
  async function expectStopped(polls: () => number, popup: FakePopup) {
    const before = polls();
    expect(popup.closed).toBe(true);
    await clock.advance(10_000);
    callback({ type: "gridlink:green_button", authorization_id: "gba_1" });
    await clock.advance(10_000);
    expect(polls()).toBe(before);
    expect(clock.pending).toBe(0);
  }

  it("after Close", async () => {
    const { polls, popups } = await waiting();
    await clock.advance(1000);
    fireEvent.click(screen.getByRole("button", { name: "Close" }));
    await screen.findByRole("heading", { name: "Connect is closed" });
    await expectStopped(polls, popups[0]!);
  });

  it("after Cancel, which returns to the Green Button screen", async () => {
    const { polls, popups } = await waiting();
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    await screen.findByRole("heading", { name: "Connect through Sandbox Power & Light" });
    await expectStopped(polls, popups[0]!);
  });

  it("after Back", async () => {
    const { polls, popups } = await waiting();
    fireEvent.click(screen.getByRole("button", { name: "Back" }));
    await screen.findByRole("heading", { name: "Connect through Sandbox Power & Light" });
    await expectStopped(polls, popups[0]!);
  });

  it("after unmount", async () => {
    const { polls, popups, view } = await waiting();
    view.unmount();
    await expectStopped(polls, popups[0]!);
  });

  it("after Close while the POST is out: the window it opened closes when the answer comes", async () => {
    const { popups } = stubOpen();
    const answer = deferred<unknown>();
    const { calls, polls } = await mount({}, { post: () => answer.promise });
    fireEvent.click(await screen.findByRole("button", { name: "Continue to Sandbox Power & Light" }));
    await waitFor(() => expect(calls.some((c) => c.path == "/green_button/authorizations")).toBe(true));
    fireEvent.click(screen.getByRole("button", { name: "Close" }));
    await screen.findByRole("heading", { name: "Connect is closed" });
    answer.resolve(STARTED);
    await settle();
    expect(popups[0]!.location.href).toBe("");
    await expectStopped(polls, popups[0]!);
    expect(polls()).toBe(0);
  });

  it("with a poll under way when Close is pressed", async () => {
    const { polls, popups } = await waiting();
    callback({ type: "gridlink:green_button", authorization_id: "gba_1" });
    fireEvent.click(screen.getByRole("button", { name: "Close" }));
    await screen.findByRole("heading", { name: "Connect is closed" });
    await expectStopped(polls, popups[0]!);
  });
});

describe("accessibility (axe-core in jsdom; contrast is the browser tests')", () => {
  async function violations(): Promise<string[]> {
    const result = await axe.run(document, { rules: { "color-contrast": { enabled: false } }, resultTypes: ["violations"] });
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
  }

  it("finds nothing on the offer, the wait, the closed window, the blocked window and a denial", async () => {
    const { popups, server } = await waiting();
    expect(await violations()).toEqual([]);
    popups[0]!.closed = true;
    await clock.advance(1000);
    await screen.findByRole("heading", { name: /was closed before you finished/ });
    expect(await violations()).toEqual([]);
    server.status = "denied";
    await clock.advance(1000);
    await screen.findByRole("heading", { name: /You didn't allow/ });
    expect(await violations()).toEqual([]);
    document.body.innerHTML = "";
    await waiting({}, true);
    expect(await violations()).toEqual([]);
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    await screen.findByRole("heading", { name: "Connect through Sandbox Power & Light" });
    expect(await violations()).toEqual([]);
  });
});
