import { fireEvent, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { Refusal, dashboardServer, mount, session } from "./fakes";

function signIn(email = "ana@example.com", password = "pw") {
  fireEvent.input(screen.getByLabelText("Email"), { target: { value: email } });
  fireEvent.input(screen.getByLabelText("Password"), { target: { value: password } });
  fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
}

describe("signing in", () => {
  it("asks for the TOTP code when the API says totp_required, then signs in with it", async () => {
    let signedIn = false;
    const { calls } = await mount("/dashboard/", dashboardServer("admin", (call) => {
      if (call.path != "/session") return undefined;
      if (call.method == "GET") return signedIn ? session("admin") : new Refusal(401, "unauthorized");
      const body = call.body as { totp_code?: string };
      if (body.totp_code != "123456") return new Refusal(401, "totp_required");
      signedIn = true;
      return session("admin");
    }));
    signIn();
    const code = await screen.findByLabelText("Authentication code");
    await waitFor(() => expect(document.activeElement).toBe(code));
    fireEvent.input(code, { target: { value: "000000" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/That code is not right/);
    fireEvent.input(screen.getByLabelText("Authentication code"), { target: { value: "123456" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await screen.findByRole("heading", { level: 1, name: "Overview" });
    expect(calls.filter((c) => c.method == "POST").map((c) => c.body)).toEqual([
      { email: "ana@example.com", password: "pw" },
      { email: "ana@example.com", password: "pw", totp_code: "000000" },
      { email: "ana@example.com", password: "pw", totp_code: "123456" },
    ]);
    // Admin sees every section; the operator, role and sign-out are in the shell.
    expect(screen.getByRole("link", { name: "Audit log" })).toBeTruthy();
    expect(screen.getByText("Admin")).toBeTruthy();
  });

  it("says how long to wait when sign-in is rate limited, and one message for a wrong password", async () => {
    let attempt = 0;
    await mount("/dashboard/", (call) => {
      if (call.method == "GET") return new Refusal(401, "unauthorized");
      return ++attempt == 1 ? new Refusal(401, "sign_in_failed") : new Refusal(429, "rate_limited", { "Retry-After": "300" });
    });
    signIn();
    expect((await screen.findByRole("alert")).textContent).toBe("That email and password do not match an active operator. Check them and try again.");
    signIn();
    await waitFor(() => expect(screen.getByRole("alert").textContent).toBe("Too many sign-in attempts. Wait 5 min and try again."));
  });

  it("returns to sign-in when the session expires mid-use, then back to the same address", async () => {
    let expired = false;
    const { calls } = await mount("/dashboard/credentials?status=rejected", dashboardServer("support", (call) => {
      if (call.path == "/session" && call.method == "POST") {
        expired = false;
        return { ...session("support"), csrf_token: "csrf-new" };
      }
      if (expired) return new Refusal(401, "session_expired");
      return undefined;
    }));
    await screen.findByRole("link", { name: "ucr_1" });
    expired = true;
    fireEvent.click(screen.getByRole("link", { name: "ucr_1" }));
    expect(await screen.findByText("Your session has ended. Sign in again to continue where you were.")).toBeTruthy();
    expect(location.pathname).toBe("/dashboard/credentials/ucr_1");
    signIn();
    await screen.findByRole("heading", { level: 1, name: /Sandbox Power & Light/ });
    expect(location.pathname).toBe("/dashboard/credentials/ucr_1");
    // The new session's CSRF token is the one sent from now on.
    fireEvent.click(screen.getByRole("button", { name: "Refresh now" }));
    await waitFor(() => expect(calls.at(-1)?.path).toBe("/credentials/ucr_1/refresh"));
    expect(calls.find((c) => c.path == "/credentials/ucr_1/refresh")?.headers["X-CSRF-Token"]).toBe("csrf-new");
  });

  it("restores the session after a reload, hides admin sections from support, and signs out", async () => {
    const { calls } = await mount("/dashboard/", dashboardServer("support"));
    await screen.findByRole("heading", { level: 1, name: "Overview" });
    expect(screen.queryByRole("link", { name: "Audit log" })).toBeNull();
    expect(screen.queryByRole("link", { name: "Clients" })).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Sign out" }));
    expect(await screen.findByText("You are signed out.")).toBeTruthy();
    expect(calls.at(-1)).toMatchObject({ method: "DELETE", path: "/session", headers: { "X-CSRF-Token": "csrf-abc" } });
  });

  it("shows a forbidden page for an admin address to a viewer", async () => {
    await mount("/dashboard/audit", dashboardServer("viewer"));
    expect((await screen.findByRole("alert")).textContent).toMatch(/Your role does not allow this/);
  });

  it("switches to Spanish and back", async () => {
    await mount("/dashboard/", dashboardServer("viewer"));
    fireEvent.change(screen.getByLabelText("Language"), { target: { value: "es" } });
    expect(await screen.findByRole("heading", { level: 1, name: "Resumen" })).toBeTruthy();
    expect(document.documentElement.lang).toBe("es");
    expect(localStorage.getItem("gridlink.dashboard.lang")).toBe("es");
  });

  it("opens and closes the narrow-screen menu", async () => {
    await mount("/dashboard/", dashboardServer("viewer"));
    const menu = screen.getByRole("button", { name: "Menu" });
    expect(menu.getAttribute("aria-expanded")).toBe("false");
    fireEvent.click(menu);
    await waitFor(() => expect(menu.getAttribute("aria-expanded")).toBe("true"));
    expect(document.getElementById("sidebar")!.classList.contains("open")).toBe(true);
    fireEvent.click(screen.getByRole("link", { name: "Users" }));
    await waitFor(() => expect(menu.getAttribute("aria-expanded")).toBe("false"));
    fireEvent.click(menu);
    await waitFor(() => expect(menu.getAttribute("aria-expanded")).toBe("true"));
    fireEvent.keyDown(document, { key: "Escape" });
    await waitFor(() => expect(menu.getAttribute("aria-expanded")).toBe("false"));
    expect(document.activeElement).toBe(menu);
  });
});
