// The connect.js script-tag entry defines window.Gridlink once; a second copy keeps the first.
import { afterEach, describe, expect, it, vi } from "vitest";
import { TOKEN, settle, stubFrames } from "./helpers";

function pretendScript(src: string | null): void {
  const script = document.createElement("script");
  if (src) script.src = src;
  Object.defineProperty(document, "currentScript", { value: src === null ? null : script, configurable: true });
}

afterEach(() => {
  delete window.Gridlink;
  delete (document as { currentScript?: unknown }).currentScript;
});

describe("window.Gridlink (connect.js)", () => {
  it("is defined by the script, and a second copy of the script keeps the first", async () => {
    pretendScript("https://connect.example.com/connect.js");
    vi.resetModules();
    await import("../src/global");
    const first = window.Gridlink;
    expect(typeof first?.create).toBe("function");

    pretendScript("https://elsewhere.example/connect.js");
    vi.resetModules();
    await import("../src/global");
    expect(window.Gridlink).toBe(first);
  });

  it("talks to the server the script came from unless baseUrl says otherwise", async () => {
    const fetchMock = stubFrames();
    pretendScript("https://connect.example.com/gl/connect.js?v=1");
    vi.resetModules();
    await import("../src/global");
    const handle = window.Gridlink!.create({ connectToken: TOKEN, onSuccess: () => {} });
    handle.open();
    expect(fetchMock).toHaveBeenLastCalledWith("https://connect.example.com/gl/connect/api/frames", expect.anything());
    handle.destroy();

    const elsewhere = window.Gridlink!.create({ connectToken: TOKEN, onSuccess: () => {}, baseUrl: "https://b.example" });
    elsewhere.open();
    expect(fetchMock).toHaveBeenLastCalledWith("https://b.example/connect/api/frames", expect.anything());
    elsewhere.destroy();
    await settle();
  });

  it("falls back to the page's origin when the script's address is unknown", async () => {
    const fetchMock = stubFrames();
    pretendScript(null);
    vi.resetModules();
    await import("../src/global");
    const handle = window.Gridlink!.create({ connectToken: TOKEN, onSuccess: () => {} });
    handle.open();
    expect(fetchMock).toHaveBeenLastCalledWith(`${location.origin}/connect/api/frames`, expect.anything());
    handle.destroy();
  });
});
