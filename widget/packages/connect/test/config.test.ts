// create() checks the config at once and says how to fix a mistake; it touches nothing else.
import { describe, expect, it, vi } from "vitest";
import { create, type ConnectConfig } from "../src/index";
import { BASE_URL, TOKEN, frameMessage, handles, openFrame, post, stubFrames } from "./helpers";

const valid = (): ConnectConfig => ({ connectToken: TOKEN, baseUrl: BASE_URL, onSuccess: () => {} });
const createWith = (overrides: Record<string, unknown>) => () => create({ ...valid(), ...overrides } as ConnectConfig);

describe("config errors say how to fix them", () => {
  it("rejects a missing config or connectToken, naming the endpoint that makes one", () => {
    expect(() => create(undefined as unknown as ConnectConfig)).toThrow("Gridlink: connectToken must be the glct_… token from POST /v1/auth/connect_token.");
    expect(createWith({ connectToken: "" })).toThrow(/connectToken must be the glct_… token/);
    expect(createWith({ connectToken: 42 })).toThrow(/connectToken must be the glct_… token/);
  });

  it("refuses a client secret or access token in place of a connect token", () => {
    expect(createWith({ connectToken: "glsk_sandbox_secret" })).toThrow(/connectToken must be the glct_… token/);
    expect(createWith({ connectToken: "glat_live_token" })).toThrow(/connectToken must be the glct_… token/);
  });

  it("requires onSuccess to be a function", () => {
    expect(createWith({ onSuccess: undefined })).toThrow("Gridlink: onSuccess must be a function.");
    expect(createWith({ onSuccess: "done" })).toThrow("Gridlink: onSuccess must be a function.");
  });

  it("accepts optional callbacks left out, but not set to something else", () => {
    expect(createWith({ onExit: undefined, onEvent: null, onLoad: undefined })).not.toThrow();
    expect(createWith({ onExit: {} })).toThrow("Gridlink: onExit must be a function.");
    expect(createWith({ onEvent: 1 })).toThrow("Gridlink: onEvent must be a function.");
    expect(createWith({ onLoad: true })).toThrow("Gridlink: onLoad must be a function.");
  });

  it("requires an http(s) baseUrl", () => {
    for (const baseUrl of ["connect.example.com", "javascript:alert(1)", "ftp://connect.example.com", "data:text/html,x"]) {
      expect(createWith({ baseUrl })).toThrow(`Gridlink: baseUrl must be an http(s) URL, not ${baseUrl}`);
    }
    expect(createWith({ baseUrl: "http://localhost:8000" })).not.toThrow();
  });

  it("requires a positive loadTimeoutMs", () => {
    // 2^31 ms and more would make browsers fire the load timeout at once.
    for (const loadTimeoutMs of [0, -1, Number.NaN, Infinity, 2 ** 31, "15000"]) {
      expect(createWith({ loadTimeoutMs })).toThrow("Gridlink: loadTimeoutMs must be a positive number.");
    }
    expect(createWith({ loadTimeoutMs: 2 ** 31 - 1 })).not.toThrow();
  });
});

describe("create() alone", () => {
  it("fetches nothing and adds nothing to the page until open()", () => {
    const fetchMock = stubFrames();
    const before = document.body.innerHTML;
    const listen = vi.spyOn(window, "addEventListener");
    create(valid());
    expect(fetchMock).not.toHaveBeenCalled();
    expect(listen).not.toHaveBeenCalled();
    expect(document.body.innerHTML).toBe(before);
  });

  it("defaults baseUrl to the page's origin and keeps a path prefix without trailing slash", async () => {
    const fetchMock = stubFrames();
    const { baseUrl: _, ...withoutBase } = valid();
    const handle = create(withoutBase);
    handle.open();
    expect(fetchMock).toHaveBeenCalledWith(`${location.origin}/connect/api/frames`, expect.anything());
    handle.destroy();

    const prefixed = create({ ...valid(), baseUrl: "https://example.com/gridlink/?x=1#y" });
    prefixed.open();
    expect(fetchMock).toHaveBeenLastCalledWith("https://example.com/gridlink/connect/api/frames", expect.anything());
    prefixed.destroy();
  });
});

describe("a config after create()", () => {
  it("is read for its callbacks when they are called; the token, server and timeout were read once", async () => {
    const fetchMock = stubFrames();
    const first = { onExit: vi.fn(), onLoad: vi.fn() };
    const config: ConnectConfig = { ...valid(), ...first };
    const handle = create(config);
    handles.push(handle);
    Object.assign(config, { connectToken: "glct_changed", baseUrl: "https://elsewhere.example", loadTimeoutMs: 1 });
    const frame = await openFrame(handle);
    expect(fetchMock).toHaveBeenCalledWith(`${BASE_URL}/connect/api/frames`, expect.anything());
    expect(JSON.parse(String(fetchMock.mock.calls[0]![1]!.body))).toEqual({ connect_token: TOKEN });

    // Changed while Connect is open (as the React hook's config changes on a re-render).
    const later = { onExit: vi.fn(), onLoad: vi.fn() };
    Object.assign(config, later);
    post(frame, frameMessage("ready"));
    post(frame, frameMessage("exit", { status: "pending", metadata: {} }));
    expect(later.onLoad).toHaveBeenCalledTimes(1);
    expect(later.onExit).toHaveBeenCalledExactlyOnceWith("pending", {});
    expect(first.onLoad).not.toHaveBeenCalled();
    expect(first.onExit).not.toHaveBeenCalled();
  });
});
