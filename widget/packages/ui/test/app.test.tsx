import { fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { App } from "../src/app";
import { Controller } from "../src/controller";
import { createReporter } from "../src/host";
import type { Lang } from "../src/i18n";
import { applyAccent, inkFor } from "../src/theme";
import { COMPLETION, attempt, fakeApi, recordingHost, session } from "./fakes";

async function mount(handler: Parameters<typeof fakeApi>[0], lang: Lang = "en") {
  const { api, calls } = fakeApi(handler);
  const host = recordingHost();
  const controller = new Controller({ api, reporter: createReporter(host, "loader", "https://app.example"), persist: () => {} });
  render(<App controller={controller} page="frame" languages={[lang]} />);
  await controller.start({ frame_ticket: "glwt_sandbox_t" });
  return { controller, calls, host };
}

const started = (patch = {}) => ({ session_token: "glcs_sandbox_1", host_origin: "https://app.example", session: session(patch) });

describe("screens", () => {
  it("move focus to the new screen's heading, or its first field", async () => {
    await mount((_m, path) => {
      if (path == "/sessions") return started();
      if (path == "/session/consent") return session({ step: "utility" });
      if (path.startsWith("/utilities")) return { data: [] };
      throw new Error(path);
    });
    const heading = await screen.findByRole("heading", { name: "Acme Energy uses Gridlink to connect your utility account" });
    await waitFor(() => expect(document.activeElement).toBe(heading));
    fireEvent.click(screen.getByRole("button", { name: "Agree and continue" }));
    const zip = await screen.findByLabelText("ZIP code");
    await waitFor(() => expect(document.activeElement).toBe(zip));
    expect(screen.getByRole("button", { name: "Back" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Close" })).toBeTruthy();
  });

  it("pre-fill the best match for a zip code", async () => {
    const { calls } = await mount((_m, path) => {
      if (path == "/sessions") return started({ step: "utility" });
      if (path.includes("zip=00011")) {
        return { data: [
          { id: "sandbox_electric", name: "Sandbox Power & Light", commodities: ["electric"], status: "active", matched_by: "zip" },
          { id: "sandbox_gas", name: "Sandbox Gas Company", commodities: ["gas"], status: "active", matched_by: "zip" },
        ] };
      }
      if (path.startsWith("/utilities")) return { data: [] };
      throw new Error(path);
    });
    fireEvent.input(await screen.findByLabelText("ZIP code"), { target: { value: "00011" } });
    fireEvent.click(screen.getByRole("button", { name: "Find" }));
    const best = await screen.findByRole("radio", { name: /Sandbox Power & Light/ });
    expect((best as HTMLInputElement).checked).toBe(true);
    expect(screen.getByText("Best match")).toBeTruthy();
    expect(calls.some((c) => c.path.startsWith("/utilities?zip=00011"))).toBe(true);
  });

  it("label the sign-in form, show the password on request and link the utility's forgot-password page", async () => {
    await mount((_m, path) => (path == "/sessions" ? started({ step: "credentials" }) : 429));
    const password = (await screen.findByLabelText("Password")) as HTMLInputElement;
    expect(password.type).toBe("password");
    const toggle = screen.getByRole("button", { name: "Show password" });
    fireEvent.click(toggle);
    expect((screen.getByLabelText("Password") as HTMLInputElement).type).toBe("text");
    expect(toggle.getAttribute("aria-pressed")).toBe("true");
    const forgot = screen.getByRole("link", { name: "Forgot your password?" });
    expect(forgot.getAttribute("href")).toBe("https://power.sandbox.example/forgot-password");
    expect(forgot.getAttribute("rel")).toContain("noopener");
    fireEvent.input(screen.getByLabelText("Username"), { target: { value: "user_good" } });
    fireEvent.input(screen.getByLabelText("Password"), { target: { value: "pass_good" } });
    fireEvent.click(screen.getByRole("button", { name: "Connect" }));
    // Errors are announced.
    const alert = await screen.findByText("Too many attempts. Wait a while before you try again.");
    expect(alert.getAttribute("role")).toBe("alert");
  });

  it("close on Esc, once", async () => {
    const { host, calls } = await mount((_m, path) => (path == "/sessions" ? started() : undefined));
    await screen.findByRole("heading");
    fireEvent.keyDown(document, { key: "Escape" });
    fireEvent.keyDown(document, { key: "Escape" });
    await screen.findByRole("heading", { name: "Connect is closed" });
    expect(calls.filter((c) => c.path == "/session/exit")).toHaveLength(1);
    const exits = host.sent.filter((s) => (s.message as { type: string }).type == "exit");
    expect(exits).toHaveLength(1);
  });

  it("speak Spanish when the session asks for it", async () => {
    await mount((_m, path) => (path == "/sessions" ? started({ language: "es" }) : undefined), "es");
    expect(await screen.findByRole("button", { name: "Aceptar y continuar" })).toBeTruthy();
    expect(screen.getByRole("button", { name: "Cerrar" })).toBeTruthy();
  });
});

describe("the accent colour", () => {
  it("is set as CSS custom properties (CSSOM, allowed by the CSP) with a readable ink", () => {
    applyAccent(document.documentElement, "#0b6e4f");
    expect(document.documentElement.style.getPropertyValue("--accent")).toBe("#0b6e4f");
    expect(document.documentElement.style.getPropertyValue("--accent-ink")).toBe("#ffffff");
    expect(inkFor("#ffd500")).toBe("#000000");
    applyAccent(document.documentElement, "red;background:url(x)");
    expect(document.documentElement.style.getPropertyValue("--accent")).toBe("#0b6e4f");
  });

  describe("on a connect link's page", () => {
    const RETURN = "https://app.acme.example/utility/done?from=gridlink";

    async function mountLink(patch: Record<string, unknown>, finished: Record<string, unknown>) {
      const { api } = fakeApi((_m, path) => {
        if (path == "/sessions") {
          return { session_token: "glcs_sandbox_1", session: session({ mode: "update", step: "credentials", utility_credential_id: "ucr_9", ...patch }) };
        }
        if (path == "/attempts") return attempt({ utility_credential_id: "ucr_9", ...finished, finished: true, seq: 2 });
        if (path.endsWith("/complete")) return { ...COMPLETION, utility_credential_id: "ucr_9" };
        if (path == "/session/exit") return undefined;
        throw new Error(path);
      });
      const controller = new Controller({ api, reporter: createReporter(recordingHost(), "none", null), persist: () => {} });
      render(<App controller={controller} page="link" languages={["en"]} />);
      await controller.start({ connect_link_token: "glcl_sandbox_l" });
      fireEvent.input(await screen.findByLabelText("Username"), { target: { value: "user_good" } });
      fireEvent.input(screen.getByLabelText("Password"), { target: { value: "pass_good" } });
      fireEvent.click(screen.getByRole("button", { name: "Connect" }));
      return controller;
    }

    it.each([
      [{ status: "verified" }, "Your account is connected", "verified"],
      [{ status: "rejected", status_detail: "INVALID_CREDENTIALS" }, "We couldn't sign you in", "rejected"],
    ])("links %o's result back to the app with the exit status and the credential", async (finished, heading, status) => {
      await mountLink({ return_uri: RETURN }, finished);
      await screen.findByRole("heading", { name: heading });
      const back = screen.getByRole("link", { name: "Return to Acme Energy" }) as HTMLAnchorElement;
      const url = new URL(back.href);
      expect(url.origin + url.pathname).toBe("https://app.acme.example/utility/done");
      expect(Object.fromEntries(url.searchParams)).toEqual({ from: "gridlink", status, utility_credential_id: "ucr_9" });
      expect(back.href).not.toMatch(/gl(cl|cs|ac)_/); // never a token
    });

    it("offers no return link without a redirect URI", async () => {
      await mountLink({ return_uri: null }, { status: "rejected", status_detail: "INVALID_CREDENTIALS" });
      await screen.findByRole("heading", { name: "We couldn't sign you in" });
      expect(screen.queryByRole("link", { name: /Return to/ })).toBeNull();
    });
  });
});
