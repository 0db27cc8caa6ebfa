// A frame that never loads can still be closed (Esc, close button) and times out with load_error.
import { describe, expect, it, vi } from "vitest";
import { frameMessage, makeHandle, openFrame, openReady, overlays, post, settle, stubFrames } from "./helpers";

const press = (target: Element, key: string) =>
  target.dispatchEvent(new KeyboardEvent("keydown", { key, bubbles: true, cancelable: true }));

describe("load timeout", () => {
  it("ends with load_error when the frame is not ready within loadTimeoutMs", async () => {
    vi.useFakeTimers();
    stubFrames();
    const { handle, onExit, onLoad } = makeHandle({ loadTimeoutMs: 5000 });
    const frame = await openFrame(handle);
    await vi.advanceTimersByTimeAsync(4999);
    expect(onExit).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onExit).toHaveBeenCalledExactlyOnceWith("load_error", { error_code: "load_timeout" });
    expect(overlays()).toHaveLength(0);
    post(frame, frameMessage("ready")); // too late
    expect(onLoad).not.toHaveBeenCalled();
  });

  it("defaults to 15 s and counts from open(), the frame request included", async () => {
    vi.useFakeTimers();
    stubFrames();
    const { handle, onExit } = makeHandle();
    handle.open();
    await vi.advanceTimersByTimeAsync(14999);
    expect(onExit).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(onExit).toHaveBeenCalledExactlyOnceWith("load_error", { error_code: "load_timeout" });
  });

  it("stops counting once the frame is ready", async () => {
    vi.useFakeTimers();
    stubFrames();
    const { handle, onExit } = makeHandle({ loadTimeoutMs: 1000 });
    await openReady(handle);
    await vi.advanceTimersByTimeAsync(60000);
    expect(onExit).not.toHaveBeenCalled();
    expect(overlays()).toHaveLength(1);
  });
});

describe("keyboard and close button before the frame is ready", () => {
  it("closes on Esc with user_initiated_exit", async () => {
    stubFrames();
    const { handle, onExit } = makeHandle();
    handle.open();
    expect(press(document.activeElement!, "Escape")).toBe(false); // handled: default prevented
    expect(onExit).toHaveBeenCalledExactlyOnceWith("user_initiated_exit", {});
    expect(overlays()).toHaveLength(0);
    await settle();
    expect(document.querySelector("iframe")).toBeNull();
  });

  it("closes with the close button, also when the frame loaded but never became ready", async () => {
    stubFrames();
    const { handle, onExit } = makeHandle();
    await openFrame(handle);
    overlays()[0]!.querySelector("button")!.click();
    expect(onExit).toHaveBeenCalledExactlyOnceWith("user_initiated_exit", {});
  });

  it("keeps Tab inside the dialog: on the close button, then on the frame once ready", async () => {
    stubFrames();
    const { handle } = makeHandle();
    const frame = await openFrame(handle);
    const [dialog] = overlays();
    const close = dialog!.querySelector("button")!;
    expect(press(close, "Tab")).toBe(false);
    expect(document.activeElement).toBe(close);
    post(frame, frameMessage("ready"));
    dialog!.focus();
    press(dialog!, "Tab");
    expect(document.activeElement).toBe(frame);
  });

  it("asks a ready frame to close on Esc pressed on the host side, instead of cutting it off", async () => {
    stubFrames();
    const { handle, onExit } = makeHandle();
    const frame = await openReady(handle);
    const postToFrame = vi.spyOn(frame.contentWindow!, "postMessage");
    press(overlays()[0]!, "Escape");
    expect(postToFrame).toHaveBeenCalledTimes(1);
    expect(onExit).not.toHaveBeenCalled();
  });
});
