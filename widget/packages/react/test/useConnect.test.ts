// useConnect under React.StrictMode, run against React 18 and React 19 (see vitest.config.ts).
import type { ConnectConfig } from "@gridlink/connect";
import { act, createElement, useEffect, version } from "react";
import { version as domVersion } from "react-dom";
import { describe, expect, it, vi } from "vitest";
import { BASE_URL, SUCCESS, TOKEN, frameMessage, iframes, overlays, post, settle, stubFrames } from "../../connect/test/helpers";
import { useConnect, type UseConnectResult } from "../src/index";
import { renderStrict } from "./render";

function config(overrides: Partial<ConnectConfig> = {}): ConnectConfig {
  return { connectToken: TOKEN, baseUrl: BASE_URL, onSuccess: vi.fn(), onExit: vi.fn(), onLoad: vi.fn(), ...overrides };
}

/** Shows the hook's committed results to the test; `autoOpen` opens once ready. */
function Probe(props: { config: ConnectConfig; seen: UseConnectResult[]; autoOpen?: boolean }) {
  const result = useConnect(props.config);
  useEffect(() => {
    props.seen.push(result);
  });
  const { ready, open } = result;
  useEffect(() => {
    if (props.autoOpen && ready) open();
  }, [props.autoOpen, ready, open]);
  return null;
}

const probe = (cfg: ConnectConfig, autoOpen = false) => {
  const seen: UseConnectResult[] = [];
  return { seen, element: createElement(Probe, { config: cfg, seen, autoOpen }), latest: () => seen[seen.length - 1]! };
};

async function openAndLoad(latest: () => UseConnectResult): Promise<HTMLIFrameElement> {
  await act(async () => {
    latest().open();
    await settle();
  });
  const [frame] = iframes();
  act(() => post(frame!, frameMessage("ready")));
  return frame!;
}


describe(`useConnect on React ${version}`, () => {
  it("runs against the React major this project is for", () => {
    expect(version.split(".")[0]).toBe(process.env.EXPECTED_REACT_MAJOR);
    expect(domVersion).toBe(version);
  });

  it("is not ready during the first render, then ready; StrictMode's spare handle leaves no trace", () => {
    const fetchMock = stubFrames();
    const p = probe(config());
    renderStrict(p.element);
    expect(p.seen[0]!.ready).toBe(false);
    expect(p.latest()).toMatchObject({ ready: true, error: null });
    expect(fetchMock).not.toHaveBeenCalled();
    expect(overlays()).toHaveLength(0);
  });

  it("opens once when the app opens as soon as ready (an effect, run twice by StrictMode)", async () => {
    const fetchMock = stubFrames();
    const p = probe(config(), true);
    renderStrict(p.element);
    await act(settle);
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(overlays()).toHaveLength(1);
    expect(iframes()).toHaveLength(1);
  });

  it("fires onLoad, onSuccess and onExit once each", async () => {
    stubFrames();
    const cfg = config();
    const p = probe(cfg);
    renderStrict(p.element);
    p.latest().open();
    p.latest().open();
    const frame = await openAndLoad(p.latest);
    act(() => {
      post(frame, frameMessage("ready"));
      post(frame, frameMessage("success", SUCCESS));
      post(frame, frameMessage("success", SUCCESS));
      post(frame, frameMessage("exit", { status: "verified", metadata: {} }));
      post(frame, frameMessage("exit", { status: "verified", metadata: {} }));
    });
    expect(cfg.onLoad).toHaveBeenCalledTimes(1);
    expect(cfg.onSuccess).toHaveBeenCalledExactlyOnceWith(SUCCESS);
    expect(cfg.onExit).toHaveBeenCalledExactlyOnceWith("verified", {});
  });

  it("destroys the handle on unmount: overlay gone, onExit once, later messages ignored", async () => {
    stubFrames();
    const cfg = config();
    const p = probe(cfg);
    const view = renderStrict(p.element);
    const frame = await openAndLoad(p.latest);
    view.unmount();
    expect(overlays()).toHaveLength(0);
    expect(cfg.onExit).toHaveBeenCalledExactlyOnceWith("user_initiated_exit", {});
    post(frame, frameMessage("success", SUCCESS));
    expect(cfg.onSuccess).not.toHaveBeenCalled();
    p.latest().open(); // the stale open() of an unmounted hook does nothing
    expect(overlays()).toHaveLength(0);
  });

  it("gives the onExit of an unmount what the frame said (the session, the utility)", async () => {
    stubFrames();
    const cfg = config();
    const p = probe(cfg);
    const view = renderStrict(p.element);
    const frame = await openAndLoad(p.latest);
    act(() => {
      post(frame, frameMessage("event", { name: "OPEN", metadata: { session_id: "csn_1", mode: "update", utility_id: "sandbox_gas", utility_name: "Sandbox Gas" } }));
    });
    view.unmount();
    expect(cfg.onExit).toHaveBeenCalledExactlyOnceWith("user_initiated_exit", {
      session_id: "csn_1", utility_id: "sandbox_gas", utility_name: "Sandbox Gas",
    });
  });

  it("calls the latest callbacks without making a new handle when they change", async () => {
    const fetchMock = stubFrames();
    const first = config();
    const p = probe(first);
    const view = renderStrict(p.element);
    const frame = await openAndLoad(p.latest);
    const second = { ...first, onSuccess: vi.fn(), onExit: vi.fn(), onEvent: vi.fn() };
    view.rerender(createElement(Probe, { config: second, seen: p.seen }));
    expect(iframes()).toEqual([frame]); // still the same session
    act(() => {
      post(frame, frameMessage("event", { name: "CONNECTING", metadata: {} }));
      post(frame, frameMessage("success", SUCCESS));
      post(frame, frameMessage("exit", { status: "verified" }));
    });
    expect(first.onSuccess).not.toHaveBeenCalled();
    expect(first.onExit).not.toHaveBeenCalled();
    expect(second.onEvent).toHaveBeenCalledExactlyOnceWith("CONNECTING", {});
    expect(second.onSuccess).toHaveBeenCalledTimes(1);
    expect(second.onExit).toHaveBeenCalledExactlyOnceWith("verified", {});
    expect(fetchMock).toHaveBeenCalledTimes(1);
  });

  it("makes a new handle for a new connect token, ending the old session once", async () => {
    const fetchMock = stubFrames();
    const first = config();
    const p = probe(first);
    const view = renderStrict(p.element);
    await openAndLoad(p.latest);
    const newToken = TOKEN.replace("0123", "9999");
    view.rerender(createElement(Probe, { config: { ...first, connectToken: newToken }, seen: p.seen }));
    expect(overlays()).toHaveLength(0);
    expect(first.onExit).toHaveBeenCalledExactlyOnceWith("user_initiated_exit", {});
    expect(p.latest().ready).toBe(true);
    await act(async () => {
      p.latest().open();
      await settle();
    });
    expect(JSON.parse(String(fetchMock.mock.calls[1]![1]!.body))).toEqual({ connect_token: newToken });
  });

  it("reports a bad config in error, stays not ready, and recovers when it is fixed", () => {
    const fetchMock = stubFrames();
    const bad = config({ connectToken: "" });
    const p = probe(bad);
    const logged = vi.spyOn(console, "error").mockImplementation(() => {});
    const view = renderStrict(p.element);
    expect(logged).toHaveBeenCalledWith(p.latest().error); // visible in the console, not only in `error`
    expect(p.latest().ready).toBe(false);
    expect(p.latest().error?.message).toMatch(/connectToken must be the glct_… token/);
    p.latest().open();
    expect(fetchMock).not.toHaveBeenCalled();

    view.rerender(createElement(Probe, { config: { ...bad, connectToken: TOKEN }, seen: p.seen }));
    expect(p.latest()).toMatchObject({ ready: true, error: null });
  });

  it("reports a missing onSuccess as a config error too", () => {
    stubFrames();
    vi.spyOn(console, "error").mockImplementation(() => {});
    const p = probe({ connectToken: TOKEN, baseUrl: BASE_URL } as ConnectConfig);
    renderStrict(p.element);
    expect(p.latest().error?.message).toBe("Gridlink: onSuccess must be a function.");
  });

  it("exit() asks the frame to close", async () => {
    stubFrames();
    const p = probe(config());
    renderStrict(p.element);
    const frame = await openAndLoad(p.latest);
    const postToFrame = vi.spyOn(frame.contentWindow!, "postMessage");
    p.latest().exit();
    expect(postToFrame).toHaveBeenCalledExactlyOnceWith({ source: "gridlink-host", v: 1, type: "exit" }, BASE_URL);
  });

  it("keeps open and exit stable across renders", () => {
    stubFrames();
    const p = probe(config());
    const view = renderStrict(p.element);
    view.rerender(createElement(Probe, { config: config(), seen: p.seen }));
    const opens = new Set(p.seen.map((seen) => seen.open));
    const exits = new Set(p.seen.map((seen) => seen.exit));
    expect(opens.size).toBe(1);
    expect(exits.size).toBe(1);
  });
});
