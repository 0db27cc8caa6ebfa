// postMessage both ways names and checks the exact origin, and the frame's own window.
import { describe, expect, it, vi } from "vitest";
import { FRAME_ORIGIN, SUCCESS, frameMessage, makeHandle, openFrame, openReady, overlays, post, settle, stubFrames } from "./helpers";

describe("frame → host: exact origin and exact window", () => {
  it("ignores messages from another origin, even from the frame's window", async () => {
    stubFrames();
    const { handle, onSuccess, onExit, onLoad } = makeHandle();
    const frame = await openFrame(handle);
    for (const origin of ["https://evil.example", "https://connect.example.com:444", "http://connect.example.com", "null", ""]) {
      post(frame, frameMessage("ready"), origin);
      post(frame, frameMessage("success", SUCCESS), origin);
      post(frame, frameMessage("exit", { status: "verified" }), origin);
    }
    expect(onLoad).not.toHaveBeenCalled();
    expect(onSuccess).not.toHaveBeenCalled();
    expect(onExit).not.toHaveBeenCalled();
    expect(overlays()).toHaveLength(1);
  });

  it("ignores messages with the right origin from another window or iframe", async () => {
    stubFrames();
    const { handle, onSuccess, onExit, onLoad } = makeHandle();
    await openFrame(handle);
    const stranger = document.body.appendChild(document.createElement("iframe"));
    for (const source of [stranger.contentWindow, window, null]) {
      post(source, frameMessage("ready"));
      post(source, frameMessage("success", SUCCESS));
      post(source, frameMessage("exit", { status: "verified" }));
    }
    expect(onLoad).not.toHaveBeenCalled();
    expect(onSuccess).not.toHaveBeenCalled();
    expect(onExit).not.toHaveBeenCalled();
  });
});

describe("host → frame: exit() names the frame's exact origin", () => {
  it("posts {source: gridlink-host, v: 1, type: exit} to the frame origin and waits for the frame's answer", async () => {
    stubFrames();
    const { handle, onExit } = makeHandle();
    const frame = await openReady(handle);
    const postToFrame = vi.spyOn(frame.contentWindow!, "postMessage");
    handle.exit();
    handle.exit(); // asking twice sends once
    expect(postToFrame).toHaveBeenCalledTimes(1);
    expect(postToFrame).toHaveBeenCalledWith({ source: "gridlink-host", v: 1, type: "exit" }, FRAME_ORIGIN);
    expect(onExit).not.toHaveBeenCalled();
    expect(overlays()).toHaveLength(1);
    post(frame, frameMessage("exit", { status: "user_initiated_exit", metadata: { session_id: "cs_1" } }));
    expect(onExit).toHaveBeenCalledExactlyOnceWith("user_initiated_exit", { session_id: "cs_1" });
  });

  it("never posts with a wildcard or to any other origin", async () => {
    stubFrames();
    const { handle } = makeHandle();
    const frame = await openReady(handle);
    const postToFrame = vi.spyOn(frame.contentWindow!, "postMessage");
    const postToPage = vi.spyOn(window, "postMessage");
    handle.exit();
    handle.exit({ force: true });
    for (const call of postToFrame.mock.calls) expect(call[1]).toBe(FRAME_ORIGIN);
    expect(postToPage).not.toHaveBeenCalled();
  });

  it("closes at once, without posting, when the frame is not ready yet", async () => {
    const fetchMock = stubFrames();
    const { handle, onExit } = makeHandle();
    handle.open();
    handle.exit(); // still fetching the frame URL
    expect(onExit).toHaveBeenCalledExactlyOnceWith("user_initiated_exit", {});
    const signal = fetchMock.mock.calls[0]![1]!.signal!;
    expect(signal.aborted).toBe(true);
    await settle();
    expect(overlays()).toHaveLength(0);

    const frame = await openFrame(handle); // loaded, not ready
    const postToFrame = vi.spyOn(frame.contentWindow!, "postMessage");
    handle.exit();
    expect(postToFrame).not.toHaveBeenCalled();
    expect(onExit).toHaveBeenCalledTimes(2);
  });

  it("closes after a grace period when a ready frame never answers exit", async () => {
    vi.useFakeTimers();
    stubFrames();
    const { handle, onExit } = makeHandle();
    await openReady(handle);
    handle.exit();
    await vi.advanceTimersByTimeAsync(2999);
    expect(onExit).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onExit).toHaveBeenCalledExactlyOnceWith("user_initiated_exit", {});
    expect(overlays()).toHaveLength(0);
  });

  it("closes at once with exit({force: true})", async () => {
    stubFrames();
    const { handle, onExit, onSuccess } = makeHandle();
    const frame = await openReady(handle);
    handle.exit({ force: true });
    expect(onExit).toHaveBeenCalledExactlyOnceWith("user_initiated_exit", {});
    post(frame, frameMessage("success", SUCCESS));
    expect(onSuccess).not.toHaveBeenCalled();
  });
});
