// open(): the token goes in a POST body, the overlay is an accessible dialog around the frame.
import { describe, expect, it } from "vitest";
import {
  BASE_URL,
  FRAME_URL,
  LABELS_EN,
  TOKEN,
  frameMessage,
  iframes,
  makeHandle,
  openFrame,
  openReady,
  overlays,
  post,
  settle,
  stubFrames,
  theFrame,
} from "./helpers";

describe("open()", () => {
  it("posts the connect token in a JSON body, without cookies, never in a URL", async () => {
    const fetchMock = stubFrames();
    const { handle } = makeHandle();
    handle.open();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    const [url, init] = fetchMock.mock.calls[0]!;
    expect(url).toBe(`${BASE_URL}/connect/api/frames`);
    expect(url).not.toContain(TOKEN);
    expect(init).toMatchObject({ method: "POST", credentials: "omit" });
    // No headers: a string body goes as text/plain, a request browsers send without a preflight.
    expect(init!.headers).toBeUndefined();
    expect(typeof init!.body).toBe("string");
    expect(JSON.parse(String(init!.body))).toEqual({ connect_token: TOKEN });
    await settle();
    expect(theFrame().src).toBe(FRAME_URL);
  });

  it("shows a labelled modal dialog at once: a loading card with a status and a close button", async () => {
    stubFrames();
    const { handle } = makeHandle();
    handle.open();
    const [dialog] = overlays();
    expect(overlays()).toHaveLength(1);
    expect(dialog!.getAttribute("aria-modal")).toBe("true");
    // Before the server's answer the loader knows no language: names that are the same in all,
    // and a status with nothing to say yet (the spinner shows it).
    expect(dialog!.getAttribute("aria-label")).toBe("Gridlink");
    const status = dialog!.querySelector('[role="status"]')!;
    expect(status.textContent).toBe("");
    const close = dialog!.querySelector("button")!;
    expect(close.getAttribute("aria-label")).toBe("×");
    // A drawn ×, not a glyph: two crossed strokes, no text.
    expect(close.children).toHaveLength(2);
    expect(close.textContent).toBe("");
    expect(document.activeElement).toBe(close);

    await settle();
    // The server's answer names everything in the session's language.
    expect(dialog!.getAttribute("aria-label")).toBe(LABELS_EN.title);
    expect(close.getAttribute("aria-label")).toBe(LABELS_EN.close);
    expect(status.textContent).toBe(LABELS_EN.loading);
    const frame = theFrame();
    expect(frame.title).toBe(LABELS_EN.title);
    expect(frame.hasAttribute("sandbox")).toBe(false);
    // Under the card, not hidden: browsers stop rendering hidden cross-origin frames, so a hidden
    // frame could never paint its first screen.
    expect(frame.style.visibility).toBe("");
    expect(frame.style.display).toBe("");
    expect(dialog!.firstElementChild).toBe(frame);
    expect(frame.hasAttribute("inert")).toBe(true); // no focus or clicks under the card
    expect(dialog!.querySelector('[role="status"]')).not.toBeNull();

    post(frame, frameMessage("ready"));
    expect(frame.hasAttribute("inert")).toBe(false);
    expect(dialog!.querySelector("button")).toBeNull();
    expect(dialog!.querySelector('[role="status"]')).toBeNull();
    expect(dialog!.children).toHaveLength(1);
    expect(document.activeElement).toBe(frame);
  });

  it("draws the card in the session's language and the client's colour once the server answers", async () => {
    stubFrames({
      status: 200,
      body: {
        frame_url: FRAME_URL,
        session_id: "csn_1",
        language: "es",
        client: { name: "Acme", accent_color: "#0b6e4f" },
        labels: { title: "Conecte su cuenta de servicios públicos", close: "Cerrar", loading: "Cargando…" },
      },
    });
    const { handle } = makeHandle();
    handle.open();
    await settle();
    const [dialog] = overlays();
    expect(dialog!.getAttribute("aria-label")).toBe("Conecte su cuenta de servicios públicos");
    expect(dialog!.querySelector('[role="status"]')!.textContent).toBe("Cargando…");
    expect(dialog!.querySelector("button")!.getAttribute("aria-label")).toBe("Cerrar");
    expect(theFrame().title).toBe("Conecte su cuenta de servicios públicos");
    const spinner = dialog!.querySelector('[role="status"]')!.previousElementSibling as HTMLElement;
    expect(spinner.style.borderTopColor).toBe("rgb(11, 110, 79)");
  });

  it("keeps its names for every language when an older server sends no labels", async () => {
    stubFrames({ status: 200, body: { frame_url: FRAME_URL, language: "es" } });
    const { handle } = makeHandle();
    handle.open();
    await settle();
    const [dialog] = overlays();
    expect(dialog!.getAttribute("aria-label")).toBe("Gridlink");
    expect(dialog!.querySelector("button")!.getAttribute("aria-label")).toBe("×");
    expect(theFrame().title).toBe("Gridlink");
  });

  it("ignores an accent colour that is not a colour", async () => {
    stubFrames({ status: 200, body: { frame_url: FRAME_URL, client: { accent_color: "red;background:url(x)" } } });
    const { handle } = makeHandle();
    handle.open();
    await settle();
    const spinner = overlays()[0]!.querySelector('[role="status"]')!.previousElementSibling as HTMLElement;
    expect(spinner.style.borderTopColor).toBe("rgb(31, 95, 191)"); // the default
    expect(spinner.style.background).toBe("");
  });

  it("locks page scroll while open and restores the page's own value after", async () => {
    stubFrames();
    document.body.style.overflow = "scroll";
    const { handle } = makeHandle();
    handle.open();
    expect(document.body.style.overflow).toBe("hidden");
    handle.exit();
    expect(document.body.style.overflow).toBe("scroll");
  });

  it("ignores a second open() while open: one request, one overlay", async () => {
    const fetchMock = stubFrames();
    const { handle } = makeHandle();
    handle.open();
    handle.open();
    await settle();
    handle.open();
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(overlays()).toHaveLength(1);
    expect(iframes()).toHaveLength(1);
  });

  it("can open again after the session ended, with exactly-once callbacks for each session", async () => {
    const fetchMock = stubFrames();
    const { handle, onExit, onLoad } = makeHandle();
    const first = await openReady(handle);
    post(first, frameMessage("exit", { status: "user_initiated_exit", metadata: {} }));
    expect(overlays()).toHaveLength(0);

    const second = await openReady(handle);
    expect(second).not.toBe(first);
    post(first, frameMessage("exit", { status: "error", metadata: {} })); // the old frame is gone
    expect(onExit).toHaveBeenCalledTimes(1);
    post(second, frameMessage("exit", { status: "rejected", metadata: { status_detail: "INVALID_CREDENTIALS" } }));
    expect(fetchMock).toHaveBeenCalledTimes(2);
    expect(onLoad).toHaveBeenCalledTimes(2);
    expect(onExit.mock.calls).toEqual([
      ["user_initiated_exit", {}],
      ["rejected", { status_detail: "INVALID_CREDENTIALS" }],
    ]);
  });

  it("may be called again from inside onExit", async () => {
    stubFrames();
    let reopened = false;
    const { handle } = makeHandle({
      onExit: () => {
        if (!reopened) {
          reopened = true;
          handle.open();
        }
      },
    });
    const frame = await openReady(handle);
    post(frame, frameMessage("exit", { status: "user_initiated_exit" }));
    expect(overlays()).toHaveLength(1);
    await settle();
    expect(theFrame()).not.toBe(frame);
  });
});

describe("frame messages", () => {
  it("calls onLoad once however often the frame says ready", async () => {
    stubFrames();
    const { handle, onLoad } = makeHandle();
    const frame = await openReady(handle);
    post(frame, frameMessage("ready"));
    expect(onLoad).toHaveBeenCalledTimes(1);
  });

  it("passes events through in order with their metadata", async () => {
    stubFrames();
    const { handle, onEvent } = makeHandle();
    const frame = await openFrame(handle);
    post(frame, frameMessage("event", { name: "OPEN", metadata: {} }));
    post(frame, frameMessage("ready"));
    post(frame, frameMessage("event", { name: "TRANSITION_VIEW", metadata: { view: "consent" } }));
    post(frame, frameMessage("event", { name: "MFA_CODE_INVALID", metadata: { attempts_left: 2 } }));
    post(frame, frameMessage("event", { name: "SUBMIT_MFA" })); // no metadata → {}
    post(frame, frameMessage("event", { metadata: {} })); // no name → ignored
    expect(onEvent.mock.calls).toEqual([
      ["OPEN", {}],
      ["TRANSITION_VIEW", { view: "consent" }],
      ["MFA_CODE_INVALID", { attempts_left: 2 }],
      ["SUBMIT_MFA", {}],
    ]);
  });

  it("ignores messages that are not protocol v1 messages from the frame", async () => {
    stubFrames();
    const { handle, onSuccess, onExit, onLoad } = makeHandle();
    const frame = await openFrame(handle);
    for (const data of [
      null,
      "ready",
      { type: "ready" },
      { source: "gridlink-host", v: 1, type: "exit" },
      { source: "gridlink", v: 2, type: "exit", status: "error" },
      { source: "gridlink", v: "1", type: "ready" },
      { source: "gridlink", v: 1, type: "unknown" },
    ]) {
      post(frame, data);
    }
    expect(onLoad).not.toHaveBeenCalled();
    expect(onSuccess).not.toHaveBeenCalled();
    expect(onExit).not.toHaveBeenCalled();
    expect(overlays()).toHaveLength(1);
  });
});
