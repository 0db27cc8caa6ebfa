// axe-core on every screen, as far as jsdom can tell: names, roles, labels, landmarks, table
// headers, ARIA. Colour contrast needs a layout engine: the browser tests check it (and the
// tones in styles.css are chosen ≥ 4.5:1).
import { fireEvent, screen } from "@testing-library/preact";
import axe from "axe-core";
import { describe, expect, it } from "vitest";
import { Refusal, dashboardServer, mount } from "./fakes";

async function violations(): Promise<string[]> {
  const result = await axe.run(document, { rules: { "color-contrast": { enabled: false } }, resultTypes: ["violations"] });
  return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}

const PAGES: [string, string | RegExp][] = [
  ["/dashboard/", "Overview"],
  ["/dashboard/credentials?status=rejected&status_detail=INVALID_CREDENTIALS", "Credentials"],
  ["/dashboard/credentials/ucr_1", /Sandbox Power & Light/],
  ["/dashboard/users", "Users"],
  ["/dashboard/users/cli_a/user-42", "user-42"],
  ["/dashboard/events", "Events & webhooks"],
  ["/dashboard/events/evt_1", "utility_credential_verified"],
  ["/dashboard/webhooks", "Events & webhooks"],
  ["/dashboard/clients", "Clients"],
  ["/dashboard/clients/cli_a", "Acme Energy"],
  ["/dashboard/audit", "Audit log"],
];

describe("accessibility (axe-core in jsdom)", () => {
  for (const [url, heading] of PAGES) {
    it(`finds nothing on ${url}`, async () => {
      await mount(url, dashboardServer("admin"));
      await screen.findByRole("heading", { level: 1, name: heading });
      await screen.findAllByRole(url.endsWith("/") ? "link" : "table").catch(() => null);
      expect(await violations()).toEqual([]);
    });
  }

  it("finds nothing on sign-in with the TOTP field and an error", async () => {
    await mount("/dashboard/", (call) => (call.method == "GET" ? new Refusal(401, "session_expired") : new Refusal(401, "totp_required")));
    fireEvent.input(screen.getByLabelText("Email"), { target: { value: "a@b.c" } });
    fireEvent.input(screen.getByLabelText("Password"), { target: { value: "pw" } });
    fireEvent.click(screen.getByRole("button", { name: "Sign in" }));
    await screen.findByLabelText("Authentication code");
    expect(await violations()).toEqual([]);
  });

  it("finds nothing in the open dialogs (update link, delete, submit credentials)", async () => {
    await mount("/dashboard/credentials/ucr_1", dashboardServer("admin", (call) =>
      call.method == "POST" && call.path.endsWith("/links")
        ? { id: "lnk_2", url: "https://x.test/connect/link#t", status: "active", expires_at: "2026-12-08T10:00:00Z", created_at: "2026-12-05T10:00:00Z" }
        : undefined));
    fireEvent.click(await screen.findByRole("button", { name: "Generate update link" }));
    await screen.findByRole("dialog");
    expect(await violations()).toEqual([]);
    fireEvent.keyDown(document, { key: "Escape" });
    fireEvent.click(screen.getByRole("button", { name: "Delete credential" }));
    expect(await violations()).toEqual([]);
    await mount("/dashboard/credentials", dashboardServer("admin"));
    fireEvent.click(await screen.findByRole("button", { name: "Submit credentials" }));
    expect(await violations()).toEqual([]);
  });

  it("finds nothing on empty and error states", async () => {
    await mount("/dashboard/credentials?status=timeout", dashboardServer("admin", (call) =>
      call.path == "/credentials" ? { data: [], next_cursor: null, total: 0 } : call.path == "/events" ? new Refusal(500, "internal") : undefined));
    await screen.findByText("No credentials match these filters");
    expect(await violations()).toEqual([]);
    await mount("/dashboard/events", dashboardServer("admin", (call) => (call.path == "/events" ? new Refusal(500, "internal") : undefined)));
    await screen.findByRole("alert");
    expect(await violations()).toEqual([]);
  });
});
