// @vitest-environment node
// Importing the packages on a server has no side effects: no window, no document, no globals.
import { describe, expect, it } from "vitest";

describe("import without a DOM", () => {
  it("imports @gridlink/connect and @gridlink/react with no window or document present", async () => {
    expect(typeof window).toBe("undefined");
    expect(typeof document).toBe("undefined");
    const globalsBefore = Object.keys(globalThis).sort();
    const loader = await import("../src/index");
    const react = await import("../../react/src/index");
    expect(Object.keys(globalThis).sort()).toEqual(globalsBefore);
    expect("Gridlink" in globalThis).toBe(false);
    expect(typeof loader.create).toBe("function");
    expect(typeof react.useConnect).toBe("function");
  });

  it("create() works on a server given a baseUrl; it fetches and draws nothing", async () => {
    const { create } = await import("../src/index");
    const handle = create({
      connectToken: "glct_sandbox_x",
      onSuccess: () => {},
      baseUrl: "https://connect.example.com",
    });
    handle.exit();
    handle.destroy();
    expect(() => create({ connectToken: "glct_sandbox_x", onSuccess: () => {} })).toThrow(/baseUrl must be/);
  });
});
