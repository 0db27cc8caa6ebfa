// <ConnectButton>: a plain button, disabled until ready, that opens Connect once per click.
import type { ConnectConfig } from "@gridlink/connect";
import { act, createElement } from "react";
import { describe, expect, it, vi } from "vitest";
import { BASE_URL, TOKEN, overlays, settle, stubFrames } from "../../connect/test/helpers";
import { ConnectButton } from "../src/index";
import { renderStrict } from "./render";


const config = (): ConnectConfig => ({ connectToken: TOKEN, baseUrl: BASE_URL, onSuccess: vi.fn() });

describe("<ConnectButton>", () => {
  it("renders a type=button with the children and passes other props through", () => {
    stubFrames();
    renderStrict(createElement(ConnectButton, { config: config(), className: "primary", "aria-describedby": "hint" }, "Link your utility"));
    const button = document.querySelector("button")!;
    expect(button.textContent).toBe("Link your utility");
    expect(button.type).toBe("button");
    expect(button.className).toBe("primary");
    expect(button.getAttribute("aria-describedby")).toBe("hint");
    expect(button.disabled).toBe(false);
  });

  it("opens Connect on click, once however often it is clicked", async () => {
    const fetchMock = stubFrames();
    renderStrict(createElement(ConnectButton, { config: config() }, "Link"));
    const button = document.querySelector("button")!;
    await act(async () => {
      button.click();
      button.click();
      await settle();
    });
    expect(fetchMock).toHaveBeenCalledTimes(1);
    expect(overlays()).toHaveLength(1);
  });

  it("stays disabled when told to, or while the config is invalid", () => {
    stubFrames();
    vi.spyOn(console, "error").mockImplementation(() => {});
    renderStrict(createElement(ConnectButton, { config: config(), disabled: true }, "A"));
    renderStrict(createElement(ConnectButton, { config: { ...config(), connectToken: "" } }, "B"));
    const [a, b] = Array.from(document.querySelectorAll("button"));
    expect(a!.disabled).toBe(true);
    expect(b!.disabled).toBe(true);
  });
});
