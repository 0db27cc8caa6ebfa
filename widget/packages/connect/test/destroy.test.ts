// destroy() is always safe: it removes what the handle added and makes later calls no-ops.
import { describe, expect, it, vi } from "vitest";
import { FRAME_URL, SUCCESS, frameMessage, makeHandle, openReady, overlays, post, settle, stubFrames } from "./helpers";

describe("destroy()", () => {
  it("removes the overlay and its message listener, restores scroll and focus, and fires onExit once", async () => {
    stubFrames();
    const button = document.body.appendChild(document.createElement("button"));
    button.focus();
    document.body.style.overflow = "clip";
    const added = vi.spyOn(window, "addEventListener");
    const removed = vi.spyOn(window, "removeEventListener");
    const { handle, onExit, onLoad } = makeHandle();
    const frame = await openReady(handle);
    expect(document.activeElement).toBe(frame);

    handle.destroy();
    expect(overlays()).toHaveLength(0);
    expect(document.querySelector("iframe")).toBeNull();
    expect(document.body.style.overflow).toBe("clip");
    expect(document.activeElement).toBe(button);
    const listener = added.mock.calls.find((call) => call[0] == "message")![1];
    expect(removed).toHaveBeenCalledWith("message", listener);
    expect(onExit).toHaveBeenCalledExactlyOnceWith("user_initiated_exit", {});

    post(frame, frameMessage("ready"));
    expect(onLoad).toHaveBeenCalledTimes(1);
  });

  it("reports verified when the connection had already succeeded", async () => {
    stubFrames();
    const { handle, onExit } = makeHandle();
    const frame = await openReady(handle);
    post(frame, frameMessage("success", SUCCESS));
    handle.destroy();
    expect(onExit).toHaveBeenCalledExactlyOnceWith("verified", {});
  });

  it("is safe before open, twice, and after the session ended; later calls do nothing", async () => {
    const fetchMock = stubFrames();
    const { handle, onExit } = makeHandle();
    handle.destroy();
    handle.destroy();
    handle.open();
    handle.exit();
    expect(fetchMock).not.toHaveBeenCalled();
    expect(overlays()).toHaveLength(0);
    expect(onExit).not.toHaveBeenCalled();

    const other = makeHandle();
    const frame = await openReady(other.handle);
    post(frame, frameMessage("exit", { status: "timeout", metadata: {} }));
    other.handle.destroy();
    expect(other.onExit).toHaveBeenCalledExactlyOnceWith("timeout", {});
  });

  it("during the frame request: aborts it and never mounts the frame", async () => {
    const fetchMock = stubFrames();
    const { handle, onExit } = makeHandle();
    handle.open();
    handle.destroy();
    await settle();
    expect(fetchMock.mock.calls[0]![1]!.signal!.aborted).toBe(true);
    expect(document.querySelector("iframe")).toBeNull();
    expect(onExit).toHaveBeenCalledExactlyOnceWith("user_initiated_exit", {});
  });

  it("from inside onSuccess ends the session once, as verified", async () => {
    stubFrames();
    const { handle, onSuccess, onExit } = makeHandle();
    onSuccess.mockImplementation(() => handle.destroy());
    const frame = await openReady(handle);
    post(frame, frameMessage("success", SUCCESS));
    post(frame, frameMessage("exit", { status: "verified" }));
    expect(onExit).toHaveBeenCalledExactlyOnceWith("verified", {});
    expect(overlays()).toHaveLength(0);
  });

  describe("onExit's metadata, when the loader ends the session itself", () => {
    it("carries what the frame's events said: the session and the utility", async () => {
      stubFrames();
      const { handle, onExit } = makeHandle();
      const frame = await openReady(handle);
      post(frame, frameMessage("event", { name: "OPEN", metadata: { session_id: "csn_1", mode: "create" } }));
      post(frame, frameMessage("event", { name: "TRANSITION_VIEW", metadata: { view: "utility" } }));
      post(frame, frameMessage("event", { name: "SELECT_UTILITY", metadata: { utility_id: "sandbox_electric", utility_name: "Sandbox Electric" } }));
      handle.destroy(); // e.g. the React component unmounted
      expect(onExit).toHaveBeenCalledExactlyOnceWith("user_initiated_exit", {
        session_id: "csn_1", utility_id: "sandbox_electric", utility_name: "Sandbox Electric",
      });
    });

    it("carries the session id from the server's answer before the frame said anything", async () => {
      stubFrames({ status: 200, body: { frame_url: FRAME_URL, session_id: "csn_2", language: null, client: { name: "Acme" } } });
      const { handle, onExit } = makeHandle();
      handle.open();
      await settle();
      handle.exit({ force: true });
      expect(onExit).toHaveBeenCalledExactlyOnceWith("user_initiated_exit", { session_id: "csn_2" });
    });

    it("lets the frame's own exit metadata win", async () => {
      stubFrames({ status: 200, body: { frame_url: FRAME_URL, session_id: "csn_3" } });
      const { handle, onExit } = makeHandle();
      const frame = await openReady(handle);
      post(frame, frameMessage("exit", { status: "rejected", metadata: { session_id: "csn_3", status_detail: "INVALID_CREDENTIALS" } }));
      expect(onExit).toHaveBeenCalledExactlyOnceWith("rejected", { session_id: "csn_3", status_detail: "INVALID_CREDENTIALS" });
    });
  });
});
