import { fireEvent, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import { href, match, withChanges } from "../src/router";
import { dashboardServer, mount } from "./fakes";

const credentialCalls = (calls: { method: string; path: string; query: URLSearchParams }[]) =>
  calls.filter((c) => c.method == "GET" && c.path == "/credentials").map((c) => Object.fromEntries(c.query));

describe("the router", () => {
  it("builds addresses under /dashboard without empty values and matches patterns", () => {
    expect(href("/credentials", { status: "rejected", client_user_id: "" })).toBe("/dashboard/credentials?status=rejected");
    expect(href("/")).toBe("/dashboard/");
    expect(match("/users/:client/:user", "/users/cli_a/a%2Fb")).toEqual({ client: "cli_a", user: "a/b" });
    expect(match("/credentials/:id", "/credentials")).toBeNull();
    // A filter change goes back to the first page.
    expect(withChanges(new URLSearchParams("status=x&after=c1"), { status: "y" }).toString()).toBe("status=y");
  });

  it("restores every filter and the sort from the address", async () => {
    const url = "/dashboard/credentials?status=rejected&status_detail=MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED&utility_id=sandbox_electric&client_user_id=user-42&created_from=2026-11-01&created_to=2026-11-30&sort=updated_at&client_id=cli_a";
    const { calls } = await mount(url, dashboardServer("viewer"));
    await screen.findByRole("link", { name: "ucr_2" });
    expect(credentialCalls(calls).at(-1)).toEqual({
      limit: "25", status: "rejected", status_detail: "MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED", utility_id: "sandbox_electric",
      client_user_id: "user-42", created_from: "2026-11-01", created_to: "2026-11-30", sort: "updated_at", client_id: "cli_a",
    });
    expect((screen.getByLabelText("Status") as HTMLSelectElement).value).toBe("rejected");
    expect((screen.getByLabelText("Status detail") as HTMLSelectElement).value).toBe("MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED");
    await waitFor(() => expect((screen.getByLabelText("Utility") as HTMLSelectElement).value).toBe("sandbox_electric"));
    expect((screen.getByLabelText("End user") as HTMLInputElement).value).toBe("user-42");
    expect((screen.getByLabelText("Created from") as HTMLInputElement).value).toBe("2026-11-01");
    expect((screen.getByLabelText("Sort") as HTMLSelectElement).value).toBe("updated_at");
    expect((screen.getByLabelText("Client") as HTMLSelectElement).value).toBe("cli_a");
    // Each active filter is a chip that removes it.
    expect(screen.getByRole("button", { name: "Remove filter Status detail: MFA refresh required" })).toBeTruthy();
  });

  it("puts a filter change in the address, and back/forward walk the filters", async () => {
    const { calls } = await mount("/dashboard/credentials", dashboardServer("viewer"));
    await screen.findByRole("link", { name: "ucr_1" });
    fireEvent.change(screen.getByLabelText("Status detail"), { target: { value: "MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED" } });
    await waitFor(() => expect(location.search).toBe("?status_detail=MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED"));
    await waitFor(() => expect(credentialCalls(calls).at(-1)?.["status_detail"]).toBe("MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED"));
    fireEvent.input(screen.getByLabelText("End user"), { target: { value: "user-42" } });
    fireEvent.click(screen.getByRole("button", { name: "Apply" }));
    await waitFor(() => expect(new URLSearchParams(location.search).get("client_user_id")).toBe("user-42"));

    history.back();
    await waitFor(() => expect(location.search).toBe("?status_detail=MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED"));
    await waitFor(() => expect(credentialCalls(calls).at(-1)).toEqual({ limit: "25", status_detail: "MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED" }));
    expect((screen.getByLabelText("End user") as HTMLInputElement).value).toBe("");
    history.back();
    await waitFor(() => expect(credentialCalls(calls).at(-1)).toEqual({ limit: "25" }));
    expect((screen.getByLabelText("Status detail") as HTMLSelectElement).value).toBe("");
  });

  it("pages with the cursor in the address", async () => {
    const { calls } = await mount("/dashboard/credentials?status=rejected", dashboardServer("viewer"));
    fireEvent.click(await screen.findByRole("link", { name: "Next page" }));
    await waitFor(() => expect(credentialCalls(calls).at(-1)).toEqual({ limit: "25", status: "rejected", after: "cur_2" }));
    expect(location.pathname + location.search).toBe("/dashboard/credentials?status=rejected&after=cur_2");
    const first = await screen.findByRole("link", { name: "First page" });
    expect(first.getAttribute("href")).toBe("/dashboard/credentials?status=rejected");
  });

  it("links each overview count to the credentials it counts", async () => {
    await mount("/dashboard/?client_id=cli_b", dashboardServer("viewer"));
    const card = await screen.findByRole("link", { name: /MFA refresh required.*retry MFA/ });
    expect(card.getAttribute("href")).toBe("/dashboard/credentials?client_id=cli_b&status_detail=MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED");
    fireEvent.click(card);
    await screen.findByRole("heading", { name: "Credentials", level: 1 });
    expect((screen.getByLabelText("Status detail") as HTMLSelectElement).value).toBe("MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED");
  });
});
