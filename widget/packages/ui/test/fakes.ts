// A scripted widget API at the fetch edge (the server is another process), and a recording host.
import { Api, type Attempt, type SessionView } from "../src/api";
import type { HostWindow } from "../src/host";

export type Handler = (method: string, path: string, body: unknown) => unknown | Promise<unknown>;

export interface Call {
  method: string;
  path: string;
  body: unknown;
  auth: string | null;
}

/** An error answer with its own code (a bare number answers with code "x"). */
export class Refusal {
  constructor(readonly status: number, readonly code: string) {}
}

/** Answers every call with `handler`'s value (a number answers that HTTP status with an error);
 * uploads go to `uploads` (each XMLHttpRequest the Api makes is a FakeRequest there). */
export function fakeApi(handler: Handler, uploads: FakeRequest[] = []): { api: Api; calls: Call[] } {
  const calls: Call[] = [];
  const fetcher = async (input: RequestInfo | URL, init?: RequestInit): Promise<Response> => {
    const method = init?.method ?? "GET";
    const path = String(input).replace("/connect/api", "");
    const body = init?.body ? JSON.parse(String(init.body)) : undefined;
    const headers = (init?.headers ?? {}) as Record<string, string>;
    calls.push({ method, path, body, auth: headers["Authorization"] ?? null });
    const answer = await handler(method, path, body);
    if (answer instanceof Refusal) {
      const error = { code: answer.code, message: "refused", request_id: "req_1" };
      return new Response(JSON.stringify({ error }), { status: answer.status });
    }
    if (typeof answer == "number") {
      return new Response(JSON.stringify({ error: { code: answer == 401 ? "token_invalid" : "x", message: "no", request_id: "req_1" } }), { status: answer });
    }
    if (answer === undefined) return new Response(null, { status: 204 });
    return new Response(JSON.stringify(answer), { status: 200, headers: { "content-type": "application/json" } });
  };
  const newRequest = () => {
    const request = new FakeRequest();
    uploads.push(request);
    return request as unknown as XMLHttpRequest;
  };
  return { api: new Api(fetcher as typeof fetch, newRequest), calls };
}

/** An XMLHttpRequest at the network edge, driven by the test: `progress`, `answer`, `drop`. */
export class FakeRequest {
  method = "";
  url = "";
  headers: Record<string, string> = {};
  body: FormData | null = null;
  aborted = false;
  withCredentials = true;
  status = 0;
  responseText = "";
  upload: { onprogress: ((event: ProgressEvent) => void) | null } = { onprogress: null };
  onload: (() => void) | null = null;
  onerror: (() => void) | null = null;
  onabort: (() => void) | null = null;

  open(method: string, url: string): void {
    this.method = method;
    this.url = url;
  }

  setRequestHeader(name: string, value: string): void {
    this.headers[name] = value;
  }

  send(body: FormData): void {
    this.body = body;
  }

  abort(): void {
    this.aborted = true;
    this.onabort?.();
  }

  /** `loaded` of `total` bytes have gone out. */
  progress(loaded: number, total: number): void {
    this.upload.onprogress?.({ loaded, total, lengthComputable: true } as ProgressEvent);
  }

  /** The server's answer: a JSON body, or an error `{error: {code, message}}`. */
  answer(status: number, body: unknown): void {
    this.status = status;
    this.responseText = JSON.stringify(body);
    this.onload?.();
  }

  refuse(status: number, code: string, message: string): void {
    this.answer(status, { error: { code, message, request_id: "req_1" } });
  }

  /** The connection dropped before an answer. */
  drop(): void {
    this.onerror?.();
  }
}

export function session(patch: Partial<SessionView> = {}): SessionView {
  return {
    id: "csn_1",
    mode: "create",
    step: "consent",
    client: { name: "Acme Energy", logo_url: null, accent_color: null },
    products: ["accounts", "statements", "intervals"],
    consent_version: "2026-11-01",
    utility_preselected: false,
    language: null,
    utility: { id: "sandbox_electric", name: "Sandbox Power & Light", commodities: ["electric"], status: "active", forgot_password_url: "https://power.sandbox.example/forgot-password" },
    attempt: null,
    host_origin: "https://app.example",
    ...patch,
  };
}

export function attempt(patch: Partial<Attempt> = {}): Attempt {
  return {
    id: "att_1", status: "connecting", seq: 1, finished: false, utility_credential_id: "ucr_1", accounts: [], mfa: null,
    ...patch,
  };
}

export const COMPLETION = {
  utility_credential_id: "ucr_1",
  client_user_id: "user-123",
  authorization_code: "glac_sandbox_x",
  utility: { id: "sandbox_electric", name: "Sandbox Power & Light" },
  accounts: [{ id: "uac_1", number: "****1234", service_address: null }],
};

export interface Sent {
  message: unknown;
  origin: string;
}

export function recordingHost(): HostWindow & { sent: Sent[]; visited: string[] } {
  const sent: Sent[] = [];
  const visited: string[] = [];
  return {
    sent,
    visited,
    parent: { postMessage: (message, origin) => void sent.push({ message, origin }) },
    location: { assign: (url) => void visited.push(url) },
  };
}

/** A promise the test resolves by hand: a long-poll that answers when the test says so. */
export function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((done) => (resolve = done));
  return { promise, resolve };
}

export const tick = () => new Promise((done) => setTimeout(done, 0));
