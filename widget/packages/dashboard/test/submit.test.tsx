import { fireEvent, screen, waitFor, within } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { dashboardServer, mount, recordConnect, row } from "./fakes";

const TOKEN = { connect_token: "glct_sandbox_new", mode: "create", expires_at: "2026-12-05T14:00:00Z" };

describe("submit credentials", () => {
  it("asks for a create-mode token for the named end user, opens Connect, and opens the new credential", async () => {
    const sessions = recordConnect();
    const { calls } = await mount("/dashboard/credentials?client_id=cli_b", dashboardServer("support", (call) =>
      call.method == "POST" && call.path == "/connect" ? TOKEN : undefined));
    fireEvent.click(await screen.findByRole("button", { name: "Submit credentials" }));
    const dialog = screen.getByRole("dialog", { name: "Submit credentials" });
    expect((within(dialog).getByLabelText("Client") as HTMLSelectElement).value).toBe("cli_b");
    fireEvent.click(within(dialog).getByRole("button", { name: "Open Connect" }));
    expect(within(dialog).getByRole("alert").textContent).toBe("Enter the end user's client_user_id.");
    fireEvent.input(within(dialog).getByLabelText("End user (client_user_id)"), { target: { value: "owner-1" } });
    fireEvent.click(within(dialog).getByRole("button", { name: "Open Connect" }));
    await waitFor(() => expect(sessions).toHaveLength(1));
    expect(calls.find((c) => c.path == "/connect")).toMatchObject({
      method: "POST", body: { client_id: "cli_b", client_user_id: "owner-1" }, headers: { "X-CSRF-Token": "csrf-abc" },
    });
    expect(sessions[0]!.config.connectToken).toBe("glct_sandbox_new");
    expect(screen.queryByRole("dialog")).toBeNull();
    sessions[0]!.config.onSuccess({ utility_credential_id: "ucr_9", authorization_code: "c", utility: { id: "u", name: "U" }, accounts: [] });
    await waitFor(() => expect(location.pathname).toBe("/dashboard/credentials/ucr_9"));
  });

  it("opens the end user's newest credential when Connect ends pending", async () => {
    const sessions = recordConnect();
    await mount("/dashboard/credentials", dashboardServer("support", (call) => {
      if (call.method == "POST" && call.path == "/connect") return TOKEN;
      if (call.path == "/credentials" && call.query.get("client_user_id") == "owner-1") return { data: [row({ id: "ucr_new" })], next_cursor: null, total: 1 };
      return undefined;
    }));
    fireEvent.click(await screen.findByRole("button", { name: "Submit credentials" }));
    fireEvent.input(screen.getByLabelText("End user (client_user_id)"), { target: { value: "owner-1" } });
    fireEvent.click(screen.getByRole("button", { name: "Open Connect" }));
    await waitFor(() => expect(sessions).toHaveLength(1));
    sessions[0]!.config.onExit?.("pending", {});
    await waitFor(() => expect(location.pathname).toBe("/dashboard/credentials/ucr_new"));
  });
});
