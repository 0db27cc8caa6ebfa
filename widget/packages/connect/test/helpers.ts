// Test helpers: a stubbed frames endpoint (the server is not part of these unit tests) and a way
// to post messages to the host page as the Connect frame (or an impostor) would.
import { expect, vi } from "vitest";
import { create, type ConnectConfig, type ConnectHandle } from "../src/index";

export const BASE_URL = "https://connect.example.com";
export const FRAME_ORIGIN = BASE_URL;
export const TOKEN = "glct_sandbox_0123456789abcdefghijklmnopqrstuvwxyzABCDEFG012345";
export const FRAME_URL = `${BASE_URL}/connect/frame#ticket=glwt_sandbox_ticket`;

export const SUCCESS = {
  utility_credential_id: "uc_01",
  authorization_code: "glac_sandbox_code",
  utility: { id: "sandbox_electric", name: "Sandbox Electric" },
  accounts: [{ id: "ua_01" }],
};

/** The loading card's labels as the server sends them for an English session. */
export const LABELS_EN = { title: "Connect your utility account", close: "Close", loading: "Loading…" };

type FakeAnswer = { status: number; body: unknown } | Error;

/** Replaces fetch: every call answers `answer` (default: a frame URL). Returns the mock. */
export function stubFrames(answer: FakeAnswer = { status: 201, body: { frame_url: FRAME_URL, expires_at: "x", labels: LABELS_EN } }) {
  const fetchMock = vi.fn(async (_url: string, _init?: RequestInit) => {
    if (answer instanceof Error) throw answer;
    // Only what the loader reads: ok, status and json().
    return { ok: answer.status < 400, status: answer.status, json: async () => answer.body } as Response;
  });
  vi.stubGlobal("fetch", fetchMock);
  return fetchMock;
}

/** Lets the stubbed fetch and the loader's awaits run. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 20; i++) await Promise.resolve();
}

export function makeCallbacks() {
  return { onSuccess: vi.fn(), onExit: vi.fn(), onEvent: vi.fn(), onLoad: vi.fn() };
}

/** Handles made by makeHandle(); test/setup.ts destroys them after every test. */
export const handles: ConnectHandle[] = [];

/** create() with a valid config; destroyed after the test so no overlay leaks into the next one. */
export function makeHandle(overrides: Partial<ConnectConfig> = {}) {
  const callbacks = makeCallbacks();
  const handle = create({ connectToken: TOKEN, baseUrl: BASE_URL, ...callbacks, ...overrides });
  handles.push(handle);
  return { handle, ...callbacks };
}

export const overlays = (): HTMLElement[] => Array.from(document.querySelectorAll<HTMLElement>('[role="dialog"]'));
export const iframes = (): HTMLIFrameElement[] => Array.from(document.querySelectorAll("iframe"));

/** The only Connect frame on the page. */
export function theFrame(): HTMLIFrameElement {
  const frames = iframes();
  expect(frames).toHaveLength(1);
  return frames[0]!;
}

/** A message as the frame would send it: `{source: "gridlink", v: 1, type, ...payload}`. */
export function frameMessage(type: string, payload: Record<string, unknown> = {}) {
  return { source: "gridlink", v: 1, type, ...payload };
}

/** Delivers `data` to the host window as if posted by `from` (a frame's window) at `origin`. */
export function post(from: HTMLIFrameElement | Window | null, data: unknown, origin = FRAME_ORIGIN): void {
  const source = from instanceof HTMLIFrameElement ? from.contentWindow : from;
  window.dispatchEvent(new MessageEvent("message", { data, origin, source }));
}

/** open() and wait until the frame is in the page. */
export async function openFrame(handle: ConnectHandle): Promise<HTMLIFrameElement> {
  handle.open();
  await settle();
  return theFrame();
}

/** open(), then have the frame say `ready`. */
export async function openReady(handle: ConnectHandle): Promise<HTMLIFrameElement> {
  const frame = await openFrame(handle);
  post(frame, frameMessage("ready"));
  return frame;
}
