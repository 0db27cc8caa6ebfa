// Per open(): onSuccess at most once, onExit exactly once, and onExit("verified") after a success.
import { describe, expect, it } from "vitest";
import { SUCCESS, frameMessage, makeHandle, openFrame, openReady, overlays, post, stubFrames } from "./helpers";

describe("exactly-once callbacks", () => {
  it("calls onSuccess once for duplicate success messages, with only the payload fields", async () => {
    stubFrames();
    const { handle, onSuccess } = makeHandle();
    const frame = await openReady(handle);
    post(frame, frameMessage("success", SUCCESS));
    post(frame, frameMessage("success", { ...SUCCESS, authorization_code: "glac_second" }));
    expect(onSuccess).toHaveBeenCalledTimes(1);
    expect(onSuccess).toHaveBeenCalledWith(SUCCESS);
  });

  it("calls onExit once for duplicate exit messages, after the overlay is gone", async () => {
    stubFrames();
    let overlaysAtExit = -1;
    const { handle, onExit } = makeHandle();
    onExit.mockImplementation(() => (overlaysAtExit = overlays().length));
    const frame = await openReady(handle);
    post(frame, frameMessage("exit", { status: "rejected", metadata: { status_detail: "INVALID_CREDENTIALS" } }));
    post(frame, frameMessage("exit", { status: "error", metadata: {} }));
    expect(onExit).toHaveBeenCalledTimes(1);
    expect(onExit).toHaveBeenCalledWith("rejected", { status_detail: "INVALID_CREDENTIALS" });
    expect(overlaysAtExit).toBe(0);
  });

  it("reports success, then exit as verified whatever status the exit carries", async () => {
    stubFrames();
    const { handle, onSuccess, onExit } = makeHandle();
    const order: string[] = [];
    onSuccess.mockImplementation(() => order.push("success"));
    onExit.mockImplementation((status: string) => order.push("exit:" + status));
    const frame = await openReady(handle);
    post(frame, frameMessage("success", SUCCESS));
    expect(overlays()).toHaveLength(1); // the success screen stays until the user closes it
    post(frame, frameMessage("exit", { status: "user_initiated_exit", metadata: { session_id: "cs_1" } }));
    post(frame, frameMessage("success", SUCCESS));
    expect(order).toEqual(["success", "exit:verified"]);
    expect(onExit).toHaveBeenCalledWith("verified", { session_id: "cs_1" });
  });

  it("ignores an exit that arrives after destroy()", async () => {
    stubFrames();
    const { handle, onExit } = makeHandle();
    const frame = await openReady(handle);
    handle.destroy();
    post(frame, frameMessage("exit", { status: "error" }));
    expect(onExit).toHaveBeenCalledTimes(1);
    expect(onExit).toHaveBeenCalledWith("user_initiated_exit", {});
  });

  it("treats an exit without a status string as error", async () => {
    stubFrames();
    const { handle, onExit } = makeHandle();
    const frame = await openFrame(handle);
    post(frame, frameMessage("exit", { status: 3 }));
    expect(onExit).toHaveBeenCalledWith("error", {});
  });

  it("keeps its promises when a callback throws", async () => {
    stubFrames();
    const { handle, onSuccess, onExit } = makeHandle();
    onSuccess.mockImplementation(() => {
      throw new Error("integrator bug");
    });
    const frame = await openReady(handle);
    // The page sees the error as an uncaught exception, as in a browser; the session goes on.
    const reported: unknown[] = [];
    const report = (event: ErrorEvent) => {
      reported.push(event.error);
      event.preventDefault();
    };
    window.addEventListener("error", report);
    post(frame, frameMessage("success", SUCCESS));
    window.removeEventListener("error", report);
    expect(reported).toEqual([new Error("integrator bug")]);
    post(frame, frameMessage("success", SUCCESS));
    post(frame, frameMessage("exit", { status: "verified" }));
    expect(onSuccess).toHaveBeenCalledTimes(1);
    expect(onExit).toHaveBeenCalledTimes(1);
    expect(overlays()).toHaveLength(0);
  });
});
