import { fireEvent, screen, waitFor, within } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { Refusal, dashboardServer, mount, recordConnect } from "./fakes";

const ACTIONS = ["Retry MFA verification", "Generate update link", "Refresh now", "Delete credential"];

describe("credential detail", () => {
  it("shows status, detail, action required, MFA expiry, sync, bills, usage and links", async () => {
    await mount("/dashboard/credentials/ucr_1", dashboardServer("viewer"));
    await screen.findByRole("heading", { level: 1, name: /Sandbox Power & Light/ });
    expect(screen.getAllByText("MFA refresh required").length).toBeGreaterThan(0);
    expect(screen.getAllByText("Action required").length).toBeGreaterThan(0);
    expect(screen.getByText("MFA session expired")).toBeTruthy();
    expect(screen.getByRole("link", { name: /PDF of the bill/ }).getAttribute("href")).toBe("/dashboard/api/statements/stm_1/pdf");
    const chart = screen.getByRole("img", { name: /Daily usage over 3 days, in kWh/ });
    expect(chart.querySelectorAll("rect.bar")).toHaveLength(2); // a missing day is a gap
    expect(screen.getByRole("table", { name: /Daily usage/ })).toBeTruthy();
    expect(within(screen.getByRole("region", { name: "Connect links" })).getByText("Used")).toBeTruthy();
  });

  it("hides every action from a viewer", async () => {
    await mount("/dashboard/credentials/ucr_1", dashboardServer("viewer"));
    await screen.findByRole("heading", { level: 1, name: /Sandbox Power & Light/ });
    for (const name of [...ACTIONS, "Revoke"]) expect(screen.queryByRole("button", { name }), name).toBeNull();
    await mount("/dashboard/credentials", dashboardServer("viewer"));
    expect(screen.queryByRole("button", { name: "Submit credentials" })).toBeNull();
  });

  it("shows the actions to support", async () => {
    await mount("/dashboard/credentials/ucr_1", dashboardServer("support"));
    for (const name of [...ACTIONS, "Revoke"]) expect(await screen.findByRole("button", { name }), name).toBeTruthy();
  });

  it("Retry MFA verification asks for an update-mode token, opens Connect with it, and reloads on success", async () => {
    const sessions = recordConnect();
    const { calls } = await mount("/dashboard/credentials/ucr_1", dashboardServer("support", (call) =>
      call.method == "POST" && call.path == "/credentials/ucr_1/connect"
        ? { connect_token: "glct_sandbox_abc", mode: "update", expires_at: "2026-12-05T12:30:00Z" }
        : undefined));
    fireEvent.click(await screen.findByRole("button", { name: "Retry MFA verification" }));
    await waitFor(() => expect(sessions).toHaveLength(1));
    const post = calls.find((c) => c.path == "/credentials/ucr_1/connect")!;
    expect(post.headers["X-CSRF-Token"]).toBe("csrf-abc");
    const { config, opened } = sessions[0]!;
    expect([config.connectToken, config.baseUrl, opened]).toEqual(["glct_sandbox_abc", location.origin, 1]);
    const reads = () => calls.filter((c) => c.method == "GET" && c.path == "/credentials/ucr_1").length;
    const before = reads();
    config.onSuccess({ utility_credential_id: "ucr_1", authorization_code: "x", utility: { id: "u", name: "U" }, accounts: [] });
    config.onExit?.("verified", {});
    await waitFor(() => expect(reads()).toBe(before + 1));
  });

  it("Generate update link shows the link once with its expiry, and Copy link copies it", async () => {
    const writeText = vi.fn(async () => {});
    vi.stubGlobal("navigator", { ...navigator, clipboard: { writeText } });
    await mount("/dashboard/credentials/ucr_1", dashboardServer("support", (call) =>
      call.method == "POST" && call.path == "/credentials/ucr_1/links"
        ? { id: "lnk_2", url: "https://dash.test/connect/link#glcl_secret", status: "active", expires_at: "2026-12-08T10:00:00Z", created_at: "2026-12-05T10:00:00Z" }
        : undefined));
    fireEvent.click(await screen.findByRole("button", { name: "Generate update link" }));
    const dialog = await screen.findByRole("dialog", { name: "Update link" });
    const field = within(dialog).getByLabelText("Link") as HTMLInputElement;
    expect(field.value).toBe("https://dash.test/connect/link#glcl_secret");
    expect(within(dialog).getByText(/^Valid for 72 hours, until .*2026/)).toBeTruthy();
    fireEvent.click(within(dialog).getByRole("button", { name: "Copy link" }));
    await waitFor(() => expect(writeText).toHaveBeenCalledWith("https://dash.test/connect/link#glcl_secret"));
    expect(await within(dialog).findByText("Copied to the clipboard.")).toBeTruthy();
  });

  it("Copy link falls back to selecting the text when the clipboard is refused", async () => {
    vi.stubGlobal("navigator", { ...navigator, clipboard: { writeText: async () => { throw new Error("denied"); } } });
    await mount("/dashboard/credentials/ucr_1", dashboardServer("support", (call) =>
      call.method == "POST" && call.path == "/credentials/ucr_1/links"
        ? { id: "lnk_2", url: "https://dash.test/connect/link#glcl_secret", status: "active", expires_at: "2026-12-08T10:00:00Z", created_at: "2026-12-05T10:00:00Z" }
        : undefined));
    fireEvent.click(await screen.findByRole("button", { name: "Generate update link" }));
    const dialog = await screen.findByRole("dialog", { name: "Update link" });
    fireEvent.click(within(dialog).getByRole("button", { name: "Copy link" }));
    const field = within(dialog).getByLabelText("Link") as HTMLInputElement;
    await waitFor(() => expect(document.activeElement).toBe(field));
    expect([field.selectionStart, field.selectionEnd]).toEqual([0, field.value.length]);
    expect(within(dialog).getByText(/press Ctrl\+C/)).toBeTruthy();
  });

  it("Delete asks first in a labelled dialog that Escape closes and that keeps focus inside", async () => {
    const { calls } = await mount("/dashboard/credentials/ucr_1", dashboardServer("support", (call) =>
      call.method == "DELETE" ? null : undefined));
    const open = await screen.findByRole("button", { name: "Delete credential" });
    open.focus();
    fireEvent.click(open);
    const dialog = screen.getByRole("alertdialog", { name: "Delete this credential?" });
    const cancel = within(dialog).getByRole("button", { name: "Cancel" });
    expect(document.activeElement).toBe(cancel);
    // Tab from the last control wraps to the first (the Close button), Shift+Tab back again.
    const confirm = within(dialog).getByRole("button", { name: "Delete credential" });
    confirm.focus();
    fireEvent.keyDown(document, { key: "Tab" });
    expect(document.activeElement).toBe(within(dialog).getByRole("button", { name: "Close" }));
    fireEvent.keyDown(document, { key: "Tab", shiftKey: true });
    expect(document.activeElement).toBe(confirm);
    fireEvent.keyDown(document, { key: "Escape" });
    expect(screen.queryByRole("alertdialog")).toBeNull();
    expect(document.activeElement).toBe(open);
    expect(calls.some((c) => c.method == "DELETE")).toBe(false);

    fireEvent.click(open);
    fireEvent.click(within(screen.getByRole("alertdialog")).getByRole("button", { name: "Delete credential" }));
    await waitFor(() => expect(location.pathname).toBe("/dashboard/credentials"));
    expect(calls.find((c) => c.method == "DELETE")?.path).toBe("/credentials/ucr_1");
  });

  it("Refresh now says why it was refused", async () => {
    await mount("/dashboard/credentials/ucr_1", dashboardServer("support", (call) =>
      call.method == "POST" && call.path.endsWith("/refresh") ? new Refusal(409, "credential_not_verified") : undefined));
    fireEvent.click(await screen.findByRole("button", { name: "Refresh now" }));
    expect((await screen.findByRole("alert")).textContent).toMatch(/Only a verified credential can sync/);
  });

  it("Revoke revokes an active link and reloads the list", async () => {
    const { calls } = await mount("/dashboard/credentials/ucr_1", dashboardServer("support", (call) =>
      call.method == "POST" && call.path == "/links/lnk_1/revoke" ? null : undefined));
    fireEvent.click(await screen.findByRole("button", { name: "Revoke" }));
    await waitFor(() => expect(calls.some((c) => c.path == "/links/lnk_1/revoke" && c.headers["X-CSRF-Token"] == "csrf-abc")).toBe(true));
  });
});
