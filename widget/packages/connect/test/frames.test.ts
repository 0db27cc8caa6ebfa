// What the frames endpoint answers decides how a session that cannot start ends.
import { describe, expect, it } from "vitest";
import { makeHandle, overlays, settle, stubFrames } from "./helpers";

const envelope = (code: string, message: string) => ({ error: { code, message, request_id: "req_1" } });

describe("a session that cannot start", () => {
  it("ends with token_invalid when the server answers 401 token_invalid", async () => {
    stubFrames({ status: 401, body: envelope("token_invalid", "Get a new connect token.") });
    const { handle, onExit, onLoad } = makeHandle();
    handle.open();
    await settle();
    expect(onExit).toHaveBeenCalledExactlyOnceWith("token_invalid", {
      error_code: "token_invalid",
      error_message: "Get a new connect token.",
      request_id: "req_1",
    });
    expect(onLoad).not.toHaveBeenCalled();
    expect(overlays()).toHaveLength(0);
    expect(document.body.style.overflow).toBe("");
  });

  it("ends with load_error and the server's code for other errors, e.g. an unregistered origin", async () => {
    stubFrames({ status: 403, body: envelope("forbidden", "Register this origin for the client.") });
    const { handle, onExit } = makeHandle();
    handle.open();
    await settle();
    expect(onExit).toHaveBeenCalledExactlyOnceWith("load_error", {
      error_code: "forbidden",
      error_message: "Register this origin for the client.",
      request_id: "req_1",
    });
  });

  it("names the HTTP status when the answer is not an error envelope", async () => {
    stubFrames({ status: 502, body: { unexpected: true } });
    const { handle, onExit } = makeHandle();
    handle.open();
    await settle();
    expect(onExit).toHaveBeenCalledExactlyOnceWith("load_error", expect.objectContaining({ error_code: "http_502" }));
  });

  it("ends with load_error network_error when the request fails (CORS, CSP, offline)", async () => {
    stubFrames(new TypeError("Failed to fetch"));
    const { handle, onExit } = makeHandle();
    handle.open();
    await settle();
    expect(onExit).toHaveBeenCalledExactlyOnceWith("load_error", { error_code: "network_error" });
    expect(overlays()).toHaveLength(0);
  });

  it.each([
    "https://evil.example/connect/frame#ticket=x",
    // Look-alikes that start with baseUrl's origin but name another host, port or scheme.
    "https://connect.example.com.evil.example/connect/frame#ticket=x",
    "https://connect.example.com@evil.example/connect/frame#ticket=x",
    "https://connect.example.com:444/connect/frame#ticket=x",
    "http://connect.example.com/connect/frame#ticket=x",
    "//evil.example/connect/frame#ticket=x",
    "/connect/frame#ticket=x",
  ])("refuses a frame URL on another origin than baseUrl: %s", async (frameUrl) => {
    stubFrames({ status: 201, body: { frame_url: frameUrl } });
    const { handle, onExit } = makeHandle();
    handle.open();
    await settle();
    expect(document.querySelector("iframe")).toBeNull();
    expect(onExit).toHaveBeenCalledExactlyOnceWith("load_error", { error_code: "invalid_frame_url" });
  });
});
