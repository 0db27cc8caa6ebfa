// Several handles on one page are independent: each session hears only its own frame.
import { describe, expect, it, vi } from "vitest";
import { FRAME_URL, SUCCESS, frameMessage, iframes, makeHandle, overlays, post, settle, stubFrames } from "./helpers";

describe("several instances on one page", () => {
  it("routes each frame's messages to its own handle only", async () => {
    stubFrames();
    const a = makeHandle();
    const b = makeHandle();
    a.handle.open();
    b.handle.open();
    await settle();
    const [frameA, frameB] = iframes();
    expect(overlays()).toHaveLength(2);

    post(frameB!, frameMessage("ready"));
    post(frameB!, frameMessage("success", SUCCESS));
    expect(b.onLoad).toHaveBeenCalledTimes(1);
    expect(b.onSuccess).toHaveBeenCalledTimes(1);
    expect(a.onLoad).not.toHaveBeenCalled();
    expect(a.onSuccess).not.toHaveBeenCalled();

    post(frameA!, frameMessage("exit", { status: "pending", metadata: {} }));
    expect(a.onExit).toHaveBeenCalledExactlyOnceWith("pending", {});
    expect(b.onExit).not.toHaveBeenCalled();
    expect(overlays()).toHaveLength(1);
    expect(iframes()).toEqual([frameB]);
  });

  it("sends exit() only to its own frame", async () => {
    stubFrames();
    const a = makeHandle();
    const b = makeHandle();
    a.handle.open();
    b.handle.open();
    await settle();
    const [frameA, frameB] = iframes();
    post(frameA!, frameMessage("ready"));
    post(frameB!, frameMessage("ready"));
    const toA = vi.spyOn(frameA!.contentWindow!, "postMessage");
    const toB = vi.spyOn(frameB!.contentWindow!, "postMessage");
    b.handle.exit();
    expect(toA).not.toHaveBeenCalled();
    expect(toB).toHaveBeenCalledTimes(1);
  });

  it("keeps the page scroll locked until the last overlay closes", async () => {
    stubFrames();
    document.body.style.overflow = "auto";
    const a = makeHandle();
    const b = makeHandle();
    a.handle.open();
    b.handle.open();
    a.handle.destroy();
    expect(document.body.style.overflow).toBe("hidden");
    b.handle.exit();
    expect(document.body.style.overflow).toBe("auto");
  });

  it("each handle talks to its own server", async () => {
    const fetchMock = stubFrames({ status: 201, body: { frame_url: FRAME_URL } });
    makeHandle({ baseUrl: "https://connect.example.com" }).handle.open();
    makeHandle({ baseUrl: "https://other.example.org/gl" }).handle.open();
    expect(fetchMock.mock.calls.map((call) => call[0])).toEqual([
      "https://connect.example.com/connect/api/frames",
      "https://other.example.org/gl/connect/api/frames",
    ]);
    await settle();
    // The second server answered a frame URL on another origin: refused, not framed.
    expect(iframes()).toHaveLength(1);
  });
});
