import { fireEvent, screen, waitFor, within } from "@testing-library/preact";
import { describe, expect, it, vi } from "vitest";
import { dashboardServer, mount } from "./fakes";

describe("users, events, webhooks, clients and audit", () => {
  it("deletes an end user after confirmation", async () => {
    const { calls } = await mount("/dashboard/users/cli_a/user-42", dashboardServer("support", (call) => (call.method == "DELETE" ? null : undefined)));
    fireEvent.click(await screen.findByRole("button", { name: "Delete user" }));
    fireEvent.click(within(screen.getByRole("alertdialog", { name: "Delete this end user?" })).getByRole("button", { name: "Delete user" }));
    await waitFor(() => expect(location.pathname).toBe("/dashboard/users"));
    expect(calls.find((c) => c.method == "DELETE")?.path).toBe("/users/cli_a/user-42");
  });

  it("shows an event's deliveries with status code, latency and next retry, and redelivers", async () => {
    const { calls } = await mount("/dashboard/events/evt_1", dashboardServer("support", (call) => (call.method == "POST" ? null : undefined)));
    const attempts = await screen.findByRole("table", { name: "Attempts to https://hooks.example/gridlink" });
    expect(within(attempts).getByText("500")).toBeTruthy();
    expect(within(attempts).getByText("231 ms")).toBeTruthy();
    expect(screen.getByText("Next retry")).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Redeliver" }));
    await waitFor(() => expect(calls.at(-2)?.path).toBe("/events/evt_1/redeliver"));
  });

  it("filters events by type in the address", async () => {
    const { calls } = await mount("/dashboard/events", dashboardServer("viewer"));
    fireEvent.change(await screen.findByLabelText("Type"), { target: { value: "utility_credential_revoked" } });
    await waitFor(() => expect(calls.at(-1)?.query.get("type")).toBe("utility_credential_revoked"));
    expect(location.search).toBe("?type=utility_credential_revoked");
  });

  it("lets support send a test but only admins change endpoints; a rotated secret is shown once", async () => {
    await mount("/dashboard/webhooks", dashboardServer("support"));
    expect(await screen.findByRole("button", { name: "Send test to https://hooks.example/gridlink" })).toBeTruthy();
    expect(screen.queryByRole("button", { name: /Rotate secret/ })).toBeNull();
    expect(screen.queryByRole("button", { name: "Add endpoint" })).toBeNull();

    const { calls } = await mount("/dashboard/webhooks", dashboardServer("admin", (call) =>
      call.method == "POST" && call.path.endsWith("/rotate_secret") ? { secret: "whsec_once" } : undefined));
    fireEvent.click(await screen.findByRole("button", { name: "Rotate secret of https://hooks.example/gridlink" }));
    const dialog = await screen.findByRole("dialog", { name: "Signing secret" });
    expect((within(dialog).getByLabelText("Secret") as HTMLInputElement).value).toBe("whsec_once");
    expect(calls.find((c) => c.path == "/webhook_endpoints/we_1/rotate_secret")?.headers["X-CSRF-Token"]).toBe("csrf-abc");
  });

  it("creates a client and shows its secret once", async () => {
    const { calls } = await mount("/dashboard/clients", dashboardServer("admin", (call) =>
      call.method == "POST" && call.path == "/clients" ? { id: "cli_c", name: "New", client_secret: "glsk_sandbox_once" } : undefined));
    fireEvent.click(await screen.findByRole("button", { name: "Create client" }));
    fireEvent.input(screen.getByLabelText("Name"), { target: { value: "New" } });
    fireEvent.input(screen.getByLabelText("Allowed origins"), { target: { value: "https://a.example\n\nhttps://b.example" } });
    fireEvent.click(screen.getByRole("button", { name: "Create" }));
    const dialog = await screen.findByRole("dialog", { name: "Client secret" });
    expect((within(dialog).getByLabelText("Secret") as HTMLInputElement).value).toBe("glsk_sandbox_once");
    expect(calls.find((c) => c.method == "POST")?.body).toEqual({ name: "New", environment: "sandbox", allowed_origins: ["https://a.example", "https://b.example"] });
  });

  it("edits a client's origins, redirect URIs and branding", async () => {
    const { calls } = await mount("/dashboard/clients/cli_a", dashboardServer("admin", (call) => (call.method == "PATCH" ? {} : undefined)));
    fireEvent.input(await screen.findByLabelText("Redirect URIs"), { target: { value: "https://app.example/done" } });
    fireEvent.input(screen.getByLabelText("Accent colour"), { target: { value: "#112233" } });
    fireEvent.click(screen.getByRole("button", { name: "Save changes" }));
    await waitFor(() => expect(calls.some((c) => c.method == "PATCH")).toBe(true));
    expect(calls.find((c) => c.method == "PATCH")).toMatchObject({
      path: "/clients/cli_a",
      body: { name: "Acme Energy", allowed_origins: ["https://app.example"], redirect_uris: ["https://app.example/done"], branding: { logo_url: null, accent_color: "#112233" } },
    });
  });

  it("shows who did what, when and from where, and filters by a click on the operator", async () => {
    const { calls } = await mount("/dashboard/audit", dashboardServer("admin"));
    const table = await screen.findByRole("table", { name: "Audit log" });
    expect(within(table).getByText("203.0.113.9")).toBeTruthy();
    fireEvent.click(within(table).getByRole("link", { name: "ana@example.com" }));
    await waitFor(() => expect(calls.filter((c) => c.path == "/audit").at(-1)?.query.get("operator_id")).toBe("opr_1"));
    const pick = screen.getByLabelText("Operator") as HTMLSelectElement;
    expect(pick.value).toBe("opr_1");
    expect([...pick.options].map((o) => o.text)).toEqual(["Any", "ana@example.com"]);
  });

  it("falls back to an operator id field when the operators cannot be listed", async () => {
    await mount("/dashboard/audit?operator_id=opr_9", dashboardServer("admin", (call) => {
      if (call.path == "/operators") throw new TypeError("offline");
      return undefined;
    }));
    await screen.findByRole("table", { name: "Audit log" });
    const field = screen.getByLabelText("Operator") as HTMLInputElement;
    expect(field.tagName).toBe("INPUT");
    expect(field.value).toBe("opr_9");
  });

  it("keeps the page usable when a list fails, with a retry", async () => {
    let fail = true;
    await mount("/dashboard/users", dashboardServer("viewer", (call) => {
      if (call.path == "/users" && fail) throw new TypeError("offline");
      return undefined;
    }));
    vi.spyOn(console, "error").mockImplementation(() => {});
    const alert = await screen.findByRole("alert");
    expect(alert.textContent).toMatch(/This page could not load/);
    fail = false;
    fireEvent.click(within(alert).getByRole("button", { name: "Try again" }));
    expect(await screen.findByRole("link", { name: "user-42" })).toBeTruthy();
  });
});
