import { describe, expect, it } from "vitest";
import { loadSaved, readLaunch, save } from "../src/launch";

function at(url: string): void {
  window.history.replaceState(null, "", url);
}

describe("the ticket in the URL", () => {
  it("is read and removed from the address bar before anything else", () => {
    at("/connect/frame?client=cli_1#ticket=glwt_sandbox_secret");
    const before = window.history.length;
    const launch = readLaunch(window, "frame");
    expect(launch).toEqual({ page: "frame", ticket: "glwt_sandbox_secret", linkToken: null, transport: "loader", language: null });
    expect(window.location.href).not.toContain("glwt_");
    expect(window.location.hash).toBe("");
    expect(window.location.search).toBe("?client=cli_1");
    expect(window.history.length).toBe(before); // replaced, not pushed: Back cannot bring it back
  });

  it("names the session's language when the frame URL carries it, before any session", () => {
    at("/connect/frame?client=cli_1&embed=bare&lang=es#ticket=glwt_sandbox_secret");
    expect(readLaunch(window, "frame")).toMatchObject({ language: "es", transport: "bare" });
  });

  it("tells bare iframes and webviews from the loader", () => {
    at("/connect/frame?client=cli_1&embed=bare#ticket=glwt_x");
    expect(readLaunch(window, "frame").transport).toBe("bare");
    at("/connect/frame?client=cli_1&embed=bare#ticket=glwt_x&webview=1");
    expect(readLaunch(window, "frame").transport).toBe("webview");
  });

  it("reads a connect link's token on the link page, and removes it", () => {
    at("/connect/link?client=cli_1#token=glcl_sandbox_secret");
    expect(readLaunch(window, "link")).toMatchObject({ page: "link", ticket: null, linkToken: "glcl_sandbox_secret", transport: "none" });
    expect(window.location.href).not.toContain("glcl_");
  });
});

describe("the session token kept for a reload", () => {
  it("lives in sessionStorage under this frame's name only", () => {
    window.name = "";
    save(window, "frame", { token: "glcs_sandbox_1", transport: "loader", hostOrigin: "https://app.example" });
    expect(window.name).toMatch(/^gridlink-/);
    expect(loadSaved(window, "frame")).toEqual({ token: "glcs_sandbox_1", transport: "loader", hostOrigin: "https://app.example" });
    expect(loadSaved(window, "link")).toBeNull();
    const mine = window.name;
    window.name = "gridlink-another-frame";
    expect(loadSaved(window, "frame")).toBeNull();
    window.name = mine;
    save(window, "frame", null);
    expect(loadSaved(window, "frame")).toBeNull();
    expect(document.cookie).toBe("");
  });
});
