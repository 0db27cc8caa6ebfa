// @vitest-environment node
// Server rendering: the hook renders "not ready" and never reaches the loader, window or network.
import type { ConnectConfig } from "@gridlink/connect";
import { createElement, version } from "react";
import { renderToString, version as serverVersion } from "react-dom/server";
import { describe, expect, it, vi } from "vitest";
import { ConnectButton, useConnect } from "../src/index";

const config: ConnectConfig = { connectToken: "glct_sandbox_x", onSuccess: () => {} };

function Page() {
  const { ready, error } = useConnect(config);
  return createElement(
    "main",
    null,
    createElement("p", null, `ready=${ready} error=${error}`),
    createElement(ConnectButton, { config }, "Link your utility"),
  );
}

describe("renderToString", () => {
  it("renders the hook and the button with no window, document or fetch", () => {
    expect(serverVersion).toBe(version);
    expect(version.split(".")[0]).toBe(process.env.EXPECTED_REACT_MAJOR);
    expect(typeof window).toBe("undefined");
    expect(typeof document).toBe("undefined");
    const fetchMock = vi.fn();
    vi.stubGlobal("fetch", fetchMock);
    const html = renderToString(createElement(Page));
    expect(html).toContain("ready=false error=null");
    expect(html).toMatch(/<button type="button" disabled="">Link your utility<\/button>/);
    expect(fetchMock).not.toHaveBeenCalled();
    expect("Gridlink" in globalThis).toBe(false);
  });
});
