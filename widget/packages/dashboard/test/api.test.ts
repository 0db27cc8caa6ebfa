import { describe, expect, it } from "vitest";
import { Api, ApiError } from "../src/api";
import { Refusal, fakeFetch, session } from "./fakes";

describe("the API client", () => {
  it("sends the session's CSRF token on every change and never on a read", async () => {
    const { fetcher, calls } = fakeFetch((call) => (call.path == "/session" ? session() : call.method == "GET" ? { data: [] } : undefined));
    const api = new Api(fetcher);
    await api.signIn({ email: "ana@example.com", password: "pw" });
    await api.get("/credentials", { status: "rejected", client_user_id: "" });
    await api.post("/credentials/ucr_1/refresh");
    await api.patch("/clients/cli_a", { name: "x" });
    await api.delete("/credentials/ucr_1");
    const byMethod = Object.fromEntries(calls.slice(1).map((c) => [c.method, c.headers["X-CSRF-Token"] ?? null]));
    expect(byMethod).toEqual({ GET: null, POST: "csrf-abc", PATCH: "csrf-abc", DELETE: "csrf-abc" });
    // Empty filters are not sent.
    expect(calls[1]!.query.toString()).toBe("status=rejected");
  });

  it("takes the CSRF token back from GET /session after a reload", async () => {
    const { fetcher, calls } = fakeFetch((call) => (call.path == "/session" ? session() : undefined));
    const api = new Api(fetcher);
    await api.restore();
    await api.post("/links/lnk_1/revoke");
    expect(calls[1]!.headers["X-CSRF-Token"]).toBe("csrf-abc");
  });

  it("maps errors by code, with the wait of a rate limit", async () => {
    const answers: Record<string, Refusal> = {
      "/a": new Refusal(403, "forbidden"),
      "/b": new Refusal(429, "rate_limited", { "Retry-After": "42" }),
      "/c": new Refusal(409, "credential_not_verified"),
    };
    const api = new Api(fakeFetch((call) => answers[call.path]).fetcher);
    const failure = (path: string) => api.get(path).then(() => null, (error: ApiError) => error);
    const forbidden = await failure("/a");
    expect([forbidden?.status, forbidden?.code]).toEqual([403, "forbidden"]);
    const limited = await failure("/b");
    expect([limited?.code, limited?.retryAfter]).toEqual(["rate_limited", 42]);
    expect((await failure("/c"))?.requestId).toBe("req_1");
  });

  it("reports an ended session (session_expired) once, from any call but sign-in itself", async () => {
    const api = new Api(fakeFetch((call) => (call.path == "/session" ? new Refusal(401, "sign_in_failed") : new Refusal(401, "session_expired"))).fetcher);
    const ended: string[] = [];
    api.onSignedOut = (code) => ended.push(code);
    await expect(api.signIn({ email: "a", password: "b" })).rejects.toMatchObject({ code: "sign_in_failed" });
    expect(ended).toEqual([]);
    await expect(api.post("/credentials/ucr_1/refresh")).rejects.toMatchObject({ code: "session_expired" });
    expect(ended).toEqual(["session_expired"]);
  });

  it("turns a failed connection into network_error", async () => {
    const api = new Api((async () => {
      throw new TypeError("offline");
    }) as typeof fetch);
    await expect(api.get("/overview")).rejects.toMatchObject({ code: "network_error", status: 0 });
  });
});
