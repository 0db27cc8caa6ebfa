import { fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { App } from "../src/app";
import { Controller } from "../src/controller";
import { createReporter } from "../src/host";
import type { Lang } from "../src/i18n";
import { applyAccent, inkFor } from "../src/theme";
import { COMPLETION, Refusal, attempt, fakeApi, recordingHost, session } from "./fakes";

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
    const search = await screen.findByLabelText("ZIP code or utility name");
    await waitFor(() => expect(document.activeElement).toBe(search));
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
    const field = await screen.findByLabelText("ZIP code or utility name");
    fireEvent.input(field, { target: { value: "00011" } });
    fireEvent.keyDown(field, { key: "Enter" }); // Enter searches at once (and does not continue)
    const best = await screen.findByRole("radio", { name: /Sandbox Power & Light/ });
    expect((best as HTMLInputElement).checked).toBe(true);
    expect(screen.getByText("Best match")).toBeTruthy();
    expect(calls.some((c) => c.path.startsWith("/utilities?zip=00011"))).toBe(true);
    expect(calls.some((c) => c.path == "/session/utility")).toBe(false);
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

describe("the utility screen", () => {
  const UTILITIES = [
    { id: "sandbox_electric", name: "Sandbox Power & Light", commodities: ["electric"], status: "active" },
    { id: "sandbox_gas", name: "Sandbox Gas Company", commodities: ["gas"], status: "active" },
  ];

  function handler(_m: string, path: string) {
    if (path == "/sessions") return started({ step: "utility" });
    if (path.startsWith("/utilities")) {
      const q = new URLSearchParams(path.split("?")[1]).get("q");
      return { data: UTILITIES.filter((u) => !q || u.name.toLowerCase().includes(q.toLowerCase())) };
    }
    if (path == "/session/utility") return session({ step: "credentials", utility: { ...UTILITIES[1]!, status: "active" } as never });
    throw new Error(path);
  }

  it("has one field that searches by name as the end user types, and lists everything at first without an event", async () => {
    const { calls, host } = await mount(handler);
    await screen.findByRole("radio", { name: /Sandbox Gas Company/ });
    expect(screen.getAllByRole("radio")).toHaveLength(2);
    expect(calls.filter((c) => c.path.startsWith("/utilities"))).toHaveLength(1);
    const events = () => host.sent.map((s) => s.message as { name?: string; metadata?: unknown }).filter((m) => m.name == "SEARCH_UTILITY");
    expect(events()).toEqual([]); // the first list is not a search
    fireEvent.input(screen.getByRole("searchbox", { name: "ZIP code or utility name" }), { target: { value: "gas" } });
    await waitFor(() => expect(screen.getAllByRole("radio")).toHaveLength(1));
    expect(calls.at(-1)!.path).toMatch(/^\/utilities\?q=gas/);
    expect(events()).toEqual([expect.objectContaining({ metadata: { by: "name" } })]);
    // Each utility has its mark: initials drawn by CSS, not part of the radio's name.
    const mark = screen.getByRole("radio", { name: /Sandbox Gas Company/ }).closest("label")!.querySelector(".mark")!;
    expect(mark.getAttribute("data-initials")).toBe("SG");
    expect(screen.getByRole("radio").closest("label")!.textContent!.startsWith("Sandbox Gas Company")).toBe(true);
  });

  it("comes back from the sign-in form as it was left: the search, the list and the choice", async () => {
    await mount(handler);
    const field = await screen.findByLabelText("ZIP code or utility name");
    fireEvent.input(field, { target: { value: "gas" } });
    fireEvent.keyDown(field, { key: "Enter" });
    await waitFor(() => expect(screen.getAllByRole("radio")).toHaveLength(1));
    fireEvent.click(screen.getByRole("radio", { name: /Sandbox Gas Company/ }));
    fireEvent.click(screen.getByRole("button", { name: "Continue" }));
    await screen.findByRole("heading", { name: "Sign in to Sandbox Gas Company" });
    fireEvent.click(screen.getByRole("button", { name: "Back" }));
    await screen.findByRole("heading", { name: "Find your utility" });
    expect((screen.getByLabelText("ZIP code or utility name") as HTMLInputElement).value).toBe("gas");
    expect(screen.getAllByRole("radio")).toHaveLength(1);
    expect((screen.getByRole("radio", { name: /Sandbox Gas Company/ }) as HTMLInputElement).checked).toBe(true);
  });

  it("says a half-typed ZIP code is not one when Enter is pressed, and asks for a choice before continuing", async () => {
    await mount(handler);
    const field = await screen.findByLabelText("ZIP code or utility name");
    await screen.findAllByRole("radio");
    fireEvent.input(field, { target: { value: "941" } });
    fireEvent.keyDown(field, { key: "Enter" });
    expect((await screen.findByRole("alert")).textContent).toBe("Enter a 5-digit ZIP code.");
    fireEvent.click(screen.getByRole("button", { name: "Continue" }));
    await waitFor(() => expect(screen.getByRole("alert").textContent).toBe("Choose a utility to continue."));
  });
});

describe("the sign-in form", () => {
  it("keeps the username (never the password) when the end user tries again", async () => {
    await mount((_m, path) => {
      if (path == "/sessions") return started({ step: "credentials" });
      if (path == "/attempts") return attempt({ status: "rejected", status_detail: "INVALID_CREDENTIALS", seq: 2, finished: true });
      if (path.startsWith("/attempts/")) return new Promise(() => {});
      throw new Error(path);
    });
    fireEvent.input(await screen.findByLabelText("Username"), { target: { value: "user_good" } });
    fireEvent.input(screen.getByLabelText("Password"), { target: { value: "not_the_password" } });
    fireEvent.click(screen.getByRole("button", { name: "Connect" }));
    fireEvent.click(await screen.findByRole("button", { name: "Try again" }));
    await screen.findByRole("heading", { name: "Sign in to Sandbox Power & Light" });
    expect((screen.getByLabelText("Username") as HTMLInputElement).value).toBe("user_good");
    expect((screen.getByLabelText("Password") as HTMLInputElement).value).toBe("");
  });
});

describe("the sign-in form of a utility that takes an authenticator key", () => {
  const METRO = {
    id: "sandbox_authenticator", name: "Sandbox Metro Electric", commodities: ["electric"], status: "active" as const,
    sign_in_kinds: ["password_totp"], forgot_password_url: null,
  };

  function fill(key: string | null): void {
    fireEvent.input(screen.getByLabelText("Username"), { target: { value: "user_good" } });
    fireEvent.input(screen.getByLabelText("Password"), { target: { value: "pass_good" } });
    if (key != null) fireEvent.input(screen.getByLabelText("Authenticator app setup key"), { target: { value: key } });
    fireEvent.click(screen.getByRole("button", { name: "Connect" }));
  }

  it("asks for the key, says where to find it and that it is stored encrypted, and sends it", async () => {
    const { calls } = await mount((_m, path, body) => {
      if (path == "/sessions") return started({ step: "credentials", utility: METRO });
      if (path == "/attempts") {
        const key = (body as { totp_secret?: string }).totp_secret;
        return key == "JBSW Y3DP EHPK 3PXP" ? new Refusal(422, "invalid_totp_secret") : attempt();
      }
      if (path.startsWith("/attempts/")) return new Promise(() => {});
      throw new Error(path);
    });
    const key = (await screen.findByLabelText("Authenticator app setup key")) as HTMLInputElement;
    expect(key.type).toBe("password"); // a secret, shown on request
    expect(key.getAttribute("autocomplete")).toBe("off");
    fireEvent.click(screen.getByRole("button", { name: "Show setup key" }));
    expect((screen.getByLabelText("Authenticator app setup key") as HTMLInputElement).type).toBe("text");
    const hint = document.getElementById(key.getAttribute("aria-describedby") ?? "");
    expect(hint?.textContent).toBe(
      "The key Sandbox Metro Electric showed you when you added an authenticator app. Gridlink stores it encrypted and uses it only to sign in for you.",
    );
    expect(screen.getByText("Where do I find it?").tagName).toBe("SUMMARY");
    expect(screen.getByText(/set it up again to see the key/).textContent).toContain("QR code");

    fill(null); // no key: said at once, nothing sent
    const missing = await screen.findByText("Enter the setup key of your authenticator app.");
    expect(missing.getAttribute("role")).toBe("alert");
    expect(screen.getByLabelText("Authenticator app setup key").getAttribute("aria-invalid")).toBe("true");
    // Said under the key field, which takes the focus (it may be below the fold).
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Authenticator app setup key")));
    expect(missing.closest(".field")).toBe(screen.getByLabelText("Authenticator app setup key").closest(".field"));
    expect(screen.getByLabelText("Password").getAttribute("aria-invalid")).toBe("false");
    fill("1234 5678"); // not base32: said at once too
    await screen.findByText(/doesn't look like a setup key/);
    expect(calls.filter((c) => c.path == "/attempts")).toHaveLength(0);

    fill("JBSW Y3DP EHPK 3PXP"); // the server has the last word: its refusal is said the same way
    await screen.findByText(/doesn't look like a setup key/);
    fill("  grid link sand box2 ");
    await screen.findByRole("heading", { name: "Connecting with your utility" });
    const sent = calls.filter((c) => c.path == "/attempts").map((c) => c.body);
    expect(sent).toEqual([
      { username: "user_good", password: "pass_good", totp_secret: "JBSW Y3DP EHPK 3PXP" },
      { username: "user_good", password: "pass_good", totp_secret: "grid link sand box2" },
    ]);
  });

  it("keeps the stored key in update mode unless a new one is typed", async () => {
    const { calls } = await mount((_m, path) => {
      if (path == "/sessions") return started({ mode: "update", step: "credentials", utility: METRO, utility_credential_id: "ucr_1" });
      if (path == "/attempts") return attempt({ status: "rejected", status_detail: "INVALID_CREDENTIALS", seq: 2, finished: true });
      throw new Error(path);
    });
    await screen.findByRole("heading", { name: "Update your sign-in for Sandbox Metro Electric" });
    expect(screen.getByText(/Leave it empty to keep the key you gave before\./)).toBeTruthy();
    fill(null);
    expect(await screen.findByText("Sandbox Metro Electric did not accept that username, password or setup key. Check them and try again.")).toBeTruthy();
    expect(calls.find((c) => c.path == "/attempts")?.body).toEqual({ username: "user_good", password: "pass_good" });
  });

  it("is not asked of other utilities", async () => {
    await mount((_m, path) => (path == "/sessions" ? started({ step: "credentials" }) : 429));
    await screen.findByLabelText("Password");
    expect(screen.queryByLabelText("Authenticator app setup key")).toBeNull();
    expect(screen.queryByText("Where do I find it?")).toBeNull();
  });

  it("speaks Spanish", async () => {
    await mount((_m, path) => (path == "/sessions" ? started({ step: "credentials", utility: METRO, language: "es" }) : 429), "es");
    expect(await screen.findByLabelText("Clave de configuración de la app de autenticación")).toBeTruthy();
    expect(screen.getByText("¿Dónde la encuentro?")).toBeTruthy();
    expect(screen.getByRole("button", { name: "Mostrar clave de configuración" })).toBeTruthy();
  });
});

describe("the MFA method screen", () => {
  it("keeps a masked phone number in one piece", async () => {
    const options = [{ id: "sms", method: "sms" as const, destination: "***-***-4821" }, { id: "email", method: "email" as const, destination: "u***@example.com" }];
    await mount((_m, path) => {
      if (path == "/sessions") return started({ step: "credentials", attempt: attempt({ status: "mfa_method", seq: 2, mfa: { options } }) });
      if (path.startsWith("/attempts/")) return new Promise(() => {});
      throw new Error(path);
    });
    const sms = await screen.findByRole("radio", { name: "Text message to ***-***-4821" });
    const number = sms.closest("label")!.querySelector(".nowrap")!;
    expect(number.textContent).toBe("***-***-4821");
  });
});

describe("icons", () => {
  it("are drawn, never glyphs", async () => {
    await mount((_m, path) => {
      if (path == "/sessions") return started({ step: "utility" });
      if (path.startsWith("/utilities")) return { data: [] };
      throw new Error(path);
    });
    await screen.findByRole("heading", { name: "Find your utility" });
    for (const name of ["Back", "Close"]) {
      const button = screen.getByRole("button", { name });
      expect(button.querySelector("svg path")).not.toBeNull();
      expect(button.textContent).toBe("");
    }
    expect(document.body.textContent).not.toMatch(/[✓‹×]/);
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
