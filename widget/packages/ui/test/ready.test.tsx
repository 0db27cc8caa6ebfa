// No lost state: the page is rendered the way main.tsx does it (Preact's own render, no
// testing-library act() to flush effects early), the controller starts right after, and the
// server answers as fast as it can. And `ready` (the host's onLoad) waits for a painted screen.
import { waitFor } from "@testing-library/preact";
import { render } from "preact";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { Attempt, Utility } from "../src/api";
import { App } from "../src/app";
import { Controller } from "../src/controller";
import { createReporter } from "../src/host";
import { afterPaint } from "../src/store";
import { attempt, COMPLETION, deferred, fakeApi, recordingHost, session, type Handler } from "./fakes";

const HOST = "https://app.example";
const started = (patch = {}) => ({ session_token: "glcs_sandbox_1", host_origin: HOST, session: session(patch) });

let root: HTMLElement | null = null;
afterEach(() => {
  if (root) render(null, root);
  root = null;
});

/** main.tsx's order: render, then start. Records the heading on screen when `ready` is sent. */
function boot(handler: Handler) {
  const { api } = fakeApi(handler);
  const host = recordingHost();
  const headingAtReady: (string | null)[] = [];
  const post = host.parent.postMessage;
  host.parent.postMessage = (message, origin) => {
    if ((message as { type?: string }).type == "ready") headingAtReady.push(heading());
    post(message, origin);
  };
  const controller = new Controller({ api, reporter: createReporter(host, "loader", HOST), persist: () => {} });
  root = document.body.appendChild(document.createElement("div"));
  render(<App controller={controller} page="frame" languages={["en"]} />, root);
  const starting = controller.start({ frame_ticket: "glwt_sandbox_t" });
  const types = () => host.sent.map((s) => (s.message as { type: string }).type);
  return { controller, starting, headingAtReady, types };
}

const heading = () => root?.querySelector("h1")?.textContent ?? null;

describe("the first screen", () => {
  it("is drawn when the session is answered before the UI's first effects ran", async () => {
    const { starting } = boot((_m, path) => (path == "/sessions" ? started() : undefined));
    await starting; // answered within microtasks: no animation frame or timer has run yet
    await waitFor(() => expect(heading()).toBe("Acme Energy uses Gridlink to connect your utility account"));
  });

  it("is drawn when the controller changed before the page was rendered", async () => {
    const { api } = fakeApi((_m, path) => (path == "/sessions" ? started({ step: "credentials" }) : undefined));
    const controller = new Controller({ api, reporter: createReporter(recordingHost(), "loader", HOST), persist: () => {} });
    await controller.start({ frame_ticket: "glwt_sandbox_t" });
    root = document.body.appendChild(document.createElement("div"));
    render(<App controller={controller} page="frame" languages={["en"]} />, root);
    expect(heading()).toBe("Sign in to Sandbox Power & Light");
  });

  it("is what the host's ready (onLoad) means: never sent while loading, sent once it is painted", async () => {
    // Frames and timers advance only when the test says (microtasks, like the answers, run).
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "requestAnimationFrame", "cancelAnimationFrame"] });
    const flush = async () => {
      for (let i = 0; i < 20; i++) await Promise.resolve();
    };
    const answer = deferred<unknown>();
    const { headingAtReady, types } = boot((_m, path) => (path == "/sessions" ? answer.promise : undefined));
    await vi.advanceTimersByTimeAsync(500); // many frames and timers pass while loading
    expect(root!.querySelector("[role=status]")?.textContent).toBe("Loading…");
    expect(types()).not.toContain("ready");
    answer.resolve(started());
    await flush();
    expect(heading()).toBe("Acme Energy uses Gridlink to connect your utility account");
    expect(types()).not.toContain("ready"); // in the DOM, not yet painted
    await vi.advanceTimersByTimeAsync(20); // the next frame is painted
    expect(headingAtReady).toEqual(["Acme Energy uses Gridlink to connect your utility account"]);
    await vi.advanceTimersByTimeAsync(500);
    expect(types().filter((t) => t == "ready")).toHaveLength(1);
  });

  it("is a loading card in the frame URL's language while the session is traded", () => {
    const { api } = fakeApi(() => new Promise(() => {}));
    const controller = new Controller({ api, reporter: createReporter(recordingHost(), "bare", HOST), persist: () => {} });
    root = document.body.appendChild(document.createElement("div"));
    render(<App controller={controller} page="frame" languages={["es", "en-US"]} />, root);
    void controller.start({ frame_ticket: "glwt_sandbox_t" });
    expect(root.querySelector("[role=status]")?.textContent).toBe("Cargando…");
    expect(document.documentElement.lang).toBe("es");
  });

  it("is an error screen, and ready is sent, when the session cannot start", async () => {
    const { headingAtReady } = boot(() => Promise.reject(new TypeError("offline")));
    await waitFor(() => expect(headingAtReady).toEqual(["Connect could not start"]));
  });
});

describe("answers the UI waits for", () => {
  it("show a long-poll answer, the completion and utility search results that came at once", async () => {
    const polls: ((a: Attempt) => void)[] = [];
    const utilities: Utility[] = [{ id: "sandbox_gas", name: "Sandbox Gas Company", commodities: ["gas"], status: "active" }];
    const { controller, starting } = boot((method, path) => {
      if (path == "/sessions") return started({ step: "credentials" });
      if (path == "/attempts") return attempt({ status: "queued", seq: 1 });
      if (method == "GET" && path.startsWith("/attempts/")) {
        const next = deferred<Attempt>();
        polls.push(next.resolve);
        return next.promise;
      }
      if (path.endsWith("/complete")) return COMPLETION;
      if (path.startsWith("/utilities")) return { data: utilities };
      return undefined;
    });
    await starting;
    await waitFor(() => expect(heading()).toBe("Sign in to Sandbox Power & Light"));
    void controller.submitCredentials("user_good", "pass_good");
    await waitFor(() => expect(polls).toHaveLength(1));
    polls[0]!(attempt({ status: "verified", seq: 2, finished: true }));
    await waitFor(() => expect(heading()).toBe("Your account is connected"));
    expect(root!.textContent).toContain("Account ****1234");
  });
});

describe("afterPaint", () => {
  it("runs after the next animation frame, or after 100 ms in a frame the browser does not paint", () => {
    vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "requestAnimationFrame", "cancelAnimationFrame"] });
    const painted = vi.fn();
    afterPaint(painted);
    vi.advanceTimersByTime(1);
    expect(painted).not.toHaveBeenCalled();
    vi.advanceTimersByTime(20); // the frame (16 ms), then the task after it
    expect(painted).toHaveBeenCalledTimes(1);
    vi.advanceTimersByTime(200);
    expect(painted).toHaveBeenCalledTimes(1);

    vi.stubGlobal("requestAnimationFrame", () => 0); // never painted (display:none)
    const hidden = vi.fn();
    afterPaint(hidden);
    vi.advanceTimersByTime(99);
    expect(hidden).not.toHaveBeenCalled();
    vi.advanceTimersByTime(2);
    expect(hidden).toHaveBeenCalledTimes(1);

    const cancelled = vi.fn();
    afterPaint(cancelled)();
    vi.advanceTimersByTime(200);
    expect(cancelled).not.toHaveBeenCalled();
  });
});
