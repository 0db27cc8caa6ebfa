// The Green Button upload in Connect: where it is offered, the upload screen's states (idle, too
// big, sending with progress, a file the server cannot read, Cancel), the summary, and the one
// completion after Continue. The network edge is faked: fetch for JSON calls, XMLHttpRequest
// for the upload (test/fakes.ts).
import { fireEvent, render, screen, waitFor } from "@testing-library/preact";
import { describe, expect, it } from "vitest";
import type { FileStored, SessionView, Utility } from "../src/api";
import { App } from "../src/app";
import { Controller } from "../src/controller";
import { createReporter } from "../src/host";
import type { Lang } from "../src/i18n";
import { COMPLETION, FakeRequest, fakeApi, recordingHost, session, tick, type Handler } from "./fakes";

const SANDBOX: Utility = {
  id: "sandbox_electric", name: "Sandbox Power & Light", commodities: ["electric"], status: "active",
  connection_methods: ["login", "file"],
};
const FILE_ONLY: Utility = {
  id: "eia_13781", name: "Xcel Energy", commodities: ["electric"], status: "unsupported", connection_methods: ["file"],
};

// A year of hourly readings, noon to noon UTC: the same days in every US time zone and in UTC.
const STORED: FileStored = {
  attempt_id: "att_file",
  utility_credential_id: "ucr_file",
  found: {
    meters: [{
      meter_id: "mtr_1", number: "1", commodity: "electric", readings: 8736, new_readings: 8736, statements: 0,
      start: "2011-01-01T12:00:00Z", end: "2011-12-31T12:00:00Z",
    }],
    readings: 8736, new_readings: 8736, statements: 0,
    start: "2011-01-01T12:00:00Z", end: "2011-12-31T12:00:00Z",
    warnings: ["The file gives no time zone: America/Los_Angeles (the utility's) was used."],
  },
};

const started = (patch: Partial<SessionView> = {}) => ({
  session_token: "glcs_sandbox_1", host_origin: "https://app.example",
  session: session({ step: "credentials", utility: SANDBOX, ...patch }),
});

async function mount(patch: Partial<SessionView> = {}, lang: Lang = "en", more: Handler = () => undefined) {
  const uploads: FakeRequest[] = [];
  const { api, calls } = fakeApi((method, path, body) => {
    if (path == "/sessions") return started(patch);
    if (path.endsWith("/complete")) return { ...COMPLETION, utility_credential_id: "ucr_file" };
    return more(method, path, body);
  }, uploads);
  const host = recordingHost();
  const controller = new Controller({ api, reporter: createReporter(host, "loader", "https://app.example"), persist: () => {} });
  render(<App controller={controller} page="frame" languages={[lang]} />);
  await controller.start({ frame_ticket: "glwt_sandbox_t" });
  const messages = () => host.sent.map((s) => s.message as { type: string; name?: string; utility_credential_id?: string });
  return { controller, calls, uploads, messages };
}

function csv(name = "usage.csv", text = "TYPE,DATE\n"): File {
  return new File([text], name, { type: "text/csv" });
}

function pick(file: File): void {
  fireEvent.change(screen.getByLabelText(/^Choose (a|another) file$/), { target: { files: [file] } });
}

async function toUpload(patch: Partial<SessionView> = {}, lang: Lang = "en") {
  const mounted = await mount(patch, lang);
  fireEvent.click(await screen.findByRole("button", { name: "Upload a Green Button file instead" }));
  await screen.findByRole("heading", { name: "Upload a Green Button file" });
  return mounted;
}

describe("where the upload is offered", () => {
  it("on the sign-in form of a utility that takes a file, not in update mode nor without the file method", async () => {
    await mount();
    expect(await screen.findByRole("button", { name: "Upload a Green Button file instead" })).toBeTruthy();
    document.body.innerHTML = "";
    await mount({ mode: "update" });
    await screen.findByRole("heading", { name: "Update your sign-in for Sandbox Power & Light" });
    expect(screen.queryByRole("button", { name: "Upload a Green Button file instead" })).toBeNull();
    document.body.innerHTML = "";
    await mount({ utility: { ...SANDBOX, connection_methods: ["login"] } });
    await screen.findByRole("heading", { name: "Sign in to Sandbox Power & Light" });
    expect(screen.queryByRole("button", { name: "Upload a Green Button file instead" })).toBeNull();
  });

  it("as the way on for a utility Gridlink cannot sign in to; Back returns there", async () => {
    const { messages } = await mount({ step: "utility" }, "en", (_m, path) => {
      if (path.startsWith("/utilities")) return { data: [FILE_ONLY] };
      if (path == "/session/utility") return session({ step: "credentials", utility: FILE_ONLY });
      throw new Error(path);
    });
    fireEvent.click(await screen.findByRole("radio", { name: /Xcel Energy/ }));
    fireEvent.click(screen.getByRole("button", { name: "Continue" }));
    await screen.findByRole("heading", { name: "Share your Xcel Energy usage with a file" });
    expect(screen.queryByRole("button", { name: "Connect" })).toBeNull();
    fireEvent.click(screen.getByRole("button", { name: "Upload a Green Button file" }));
    await screen.findByRole("heading", { name: "Upload a Green Button file" });
    // No hint is known for this utility: the general steps.
    expect(screen.getByText("Sign in at Xcel Energy's website.")).toBeTruthy();
    expect(screen.getByText(/Look for Green Button or “Download My Data”/)).toBeTruthy();
    fireEvent.click(screen.getByRole("button", { name: "Back" }));
    await screen.findByRole("heading", { name: "Share your Xcel Energy usage with a file" });
    const views = messages().filter((m) => m.name == "TRANSITION_VIEW").map((m) => (m as { metadata?: { view: string } }).metadata?.view);
    expect(views).toEqual(["utility", "unsupported", "upload", "unsupported"]);
  });

  it("at once in update mode for a file credential (step upload), with no way back", async () => {
    await mount({ mode: "update", step: "upload" });
    await screen.findByRole("heading", { name: "Upload a Green Button file" });
    expect(screen.getByText(/Download a new Green Button file from Sandbox Power & Light's website/)).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Back" })).toBeNull();
  });
});

describe("the upload screen", () => {
  it("idle: the how-to with the utility's hint and a labelled picker for XML, CSV and ZIP", async () => {
    await toUpload();
    expect(screen.getByText(/This is a test utility without a website/)).toBeTruthy();
    const input = screen.getByLabelText("Choose a file") as HTMLInputElement;
    expect(input.type).toBe("file");
    expect(input.accept).toBe(".xml,.csv,.zip");
    expect(document.getElementById(input.getAttribute("aria-describedby")!)?.textContent).toBe("XML, CSV or ZIP, up to 64 MB");
    expect(screen.queryByRole("progressbar")).toBeNull();
    expect(screen.getByRole("alert").textContent).toBe("");
  });

  it("too big: refused before anything is sent, with the limit", async () => {
    const { uploads } = await toUpload();
    const big = csv("year.csv");
    Object.defineProperty(big, "size", { value: 64 * 1024 * 1024 + 1 });
    pick(big);
    const alert = await screen.findByText("year.csv is larger than 64 MB. Download a shorter period and try again.");
    expect(alert.closest("[role=alert]")).toBeTruthy();
    expect(uploads).toHaveLength(0);
    expect(screen.getByLabelText("Choose another file")).toBeTruthy();
  });

  it("sending: multipart with the session token, a progress bar that follows the bytes, then the summary", async () => {
    const { uploads } = await toUpload();
    pick(csv());
    const bar = await screen.findByRole("progressbar", { name: "Uploading usage.csv" });
    const [request] = uploads;
    expect(request).toBeDefined();
    expect([request!.method, request!.url]).toEqual(["POST", "/connect/api/files"]);
    expect(request!.headers["Authorization"]).toBe("Bearer glcs_sandbox_1");
    expect(request!.withCredentials).toBe(false);
    expect((request!.body!.get("file") as File).name).toBe("usage.csv");
    expect(bar.getAttribute("aria-valuenow")).toBe("0");
    request!.progress(2048, 8192);
    await waitFor(() => expect(bar.getAttribute("aria-valuenow")).toBe("25"));
    expect(screen.getByRole("status").textContent).toBe("2 kB of 8 kB");
    request!.progress(8192, 8192);
    await screen.findByText("Reading your file…");
    expect(screen.getByRole("button", { name: "Cancel" })).toBeTruthy();
    request!.answer(200, STORED);
    await screen.findByRole("heading", { name: "Your file is uploaded" });
    expect(screen.getByText("We found 1 meter with 8,736 hourly readings from Jan 1, 2011 to Dec 31, 2011.")).toBeTruthy();
    expect(screen.getByText("Electric", { selector: ".name" })).toBeTruthy();
    expect(screen.getByText("Meter 1 · 8,736 hourly readings · Jan 1, 2011 to Dec 31, 2011")).toBeTruthy();
    expect(screen.getByRole("heading", { name: "Notes on your file" })).toBeTruthy();
    expect(screen.getByText(STORED.found.warnings[0]!)).toBeTruthy();
    expect(screen.queryByRole("button", { name: "Back" })).toBeNull(); // the file is stored
  });

  it("a file the server cannot read: its message, then another file goes through", async () => {
    const { uploads } = await toUpload();
    pick(csv("photo.csv"));
    await screen.findByRole("progressbar");
    const message = "This is not a Green Button file we can read: line 1: no header row with DATE and USAGE.";
    uploads[0]!.refuse(422, "invalid_file", message);
    await screen.findByText("We couldn't read photo.csv.");
    expect(screen.getByRole("alert").textContent).toContain(message);
    expect(screen.queryByRole("progressbar")).toBeNull();
    await waitFor(() => expect(document.activeElement).toBe(screen.getByLabelText("Choose another file")));
    pick(csv("usage.csv"));
    await screen.findByRole("progressbar", { name: "Uploading usage.csv" });
    expect(screen.getByRole("alert").textContent).toBe(""); // the old message is gone
    // A utility's CSV names its meter by its usage type: no "Meter Electric usage".
    const csvMeter = { ...STORED.found.meters[0]!, number: "Electric usage" };
    uploads[1]!.answer(200, { ...STORED, found: { ...STORED.found, meters: [csvMeter] } });
    await screen.findByRole("heading", { name: "Your file is uploaded" });
    expect(screen.getByText("8,736 hourly readings · Jan 1, 2011 to Dec 31, 2011")).toBeTruthy();
    expect(uploads).toHaveLength(2);
  });

  it("a file over the server's limit (413) and a dropped connection say so", async () => {
    const { uploads } = await toUpload();
    pick(csv("big.csv"));
    uploads[0]!.refuse(413, "payload_too_large", "The body is larger than 67108864 bytes.");
    await screen.findByText("big.csv is larger than 64 MB. Download a shorter period and try again.");
    pick(csv());
    uploads[1]!.drop();
    await screen.findByText("We could not reach the server. Check your connection and try again.");
  });

  it("Cancel aborts the request and the screen is as before", async () => {
    const { uploads, controller } = await toUpload();
    pick(csv());
    await screen.findByRole("progressbar");
    uploads[0]!.progress(100, 8192);
    fireEvent.click(screen.getByRole("button", { name: "Cancel" }));
    expect(uploads[0]!.aborted).toBe(true);
    const input = await screen.findByLabelText("Choose a file");
    await waitFor(() => expect(document.activeElement).toBe(input)); // where Cancel was
    expect(screen.queryByRole("progressbar")).toBeNull();
    await tick();
    expect(screen.getByRole("alert").textContent).toBe(""); // an abort is no error
    expect(controller.state.screen).toBe("upload");
  });

  it("Back while sending aborts the request and returns to the sign-in form", async () => {
    const { uploads } = await toUpload();
    pick(csv());
    await screen.findByRole("progressbar");
    fireEvent.click(screen.getByRole("button", { name: "Back" }));
    await screen.findByRole("heading", { name: "Sign in to Sandbox Power & Light" });
    expect(uploads[0]!.aborted).toBe(true);
  });

  it("more than one dropped file is refused; one is sent", async () => {
    const { uploads } = await toUpload();
    const zone = screen.getByText("Drag your file here").closest(".dropzone")!;
    fireEvent.drop(zone, { dataTransfer: { files: [csv("a.csv"), csv("b.csv")] } });
    await screen.findByText("Upload one file at a time.");
    expect(uploads).toHaveLength(0);
    fireEvent.drop(zone, { dataTransfer: { files: [csv("a.csv")] } });
    await screen.findByRole("progressbar", { name: "Uploading a.csv" });
    expect(uploads).toHaveLength(1);
  });
});

describe("after the upload", () => {
  it("Continue completes once — onSuccess once, however often it is pressed — and shows success", async () => {
    const { uploads, calls, messages } = await toUpload();
    pick(csv());
    await screen.findByRole("progressbar");
    uploads[0]!.answer(200, STORED);
    const cont = await screen.findByRole("button", { name: "Continue" });
    fireEvent.click(cont);
    fireEvent.click(cont);
    await screen.findByRole("heading", { name: "Your account is connected" });
    expect(calls.filter((c) => c.path.endsWith("/complete")).map((c) => c.path)).toEqual(["/attempts/att_file/complete"]);
    const successes = messages().filter((m) => m.type == "success");
    expect(successes.map((m) => m.utility_credential_id)).toEqual(["ucr_file"]);
    expect(messages().filter((m) => m.name == "VERIFIED")).toHaveLength(1);
  });

  it("a failed completion can be tried again, still completing once", async () => {
    let answers = 0;
    const uploads: FakeRequest[] = [];
    const { api, calls } = fakeApi((_m, path) => {
      if (path == "/sessions") return started({ mode: "update", step: "upload" });
      if (path.endsWith("/complete")) return ++answers == 1 ? 503 : { ...COMPLETION, utility_credential_id: "ucr_file" };
      return undefined;
    }, uploads);
    const host = recordingHost();
    const controller = new Controller({ api, reporter: createReporter(host, "loader", "https://app.example"), persist: () => {} });
    render(<App controller={controller} page="frame" languages={["en"]} />);
    await controller.start({ frame_ticket: "glwt_sandbox_t" });
    pick(csv());
    uploads[0]!.answer(200, STORED);
    fireEvent.click(await screen.findByRole("button", { name: "Continue" }));
    await screen.findByText(/We could not connect to Sandbox Power & Light right now/);
    fireEvent.click(screen.getByRole("button", { name: "Continue" }));
    await screen.findByRole("heading", { name: "Your account is connected" });
    expect(calls.filter((c) => c.path.endsWith("/complete"))).toHaveLength(2);
    expect(host.sent.filter((s) => (s.message as { type: string }).type == "success")).toHaveLength(1);
  });

  it("speaks Spanish: plural forms, Spanish numbers and dates", async () => {
    const uploads: FakeRequest[] = [];
    const { api } = fakeApi((_m, path) => (path == "/sessions" ? started({ language: "es" }) : undefined), uploads);
    const controller = new Controller({ api, reporter: createReporter(recordingHost(), "loader", "https://app.example"), persist: () => {} });
    render(<App controller={controller} page="frame" languages={["es"]} />);
    await controller.start({ frame_ticket: "glwt_sandbox_t" });
    fireEvent.click(await screen.findByRole("button", { name: "Subir un archivo Green Button en su lugar" }));
    fireEvent.change(await screen.findByLabelText("Elegir un archivo"), { target: { files: [csv()] } });
    const meter = STORED.found.meters[0]!;
    const two = { ...STORED.found, meters: [meter, { ...meter, meter_id: "mtr_2", number: "2", commodity: "gas", readings: 1, start: null, end: null, statements: 1 }] };
    uploads[0]!.answer(200, { ...STORED, found: { ...two, readings: 17472, warnings: [] } });
    await screen.findByRole("heading", { name: "Se subió su archivo" });
    expect(screen.getByText(/^Encontramos 2 medidores con 17\.472 lecturas del 1 ene 2011 al 31 dic 2011\.$/)).toBeTruthy();
    expect(screen.getByText("Gas", { selector: ".name" })).toBeTruthy();
    expect(screen.getByText("Medidor 2 · 1 lectura · 1 factura")).toBeTruthy();
  });
});

describe("a utility whose sign-ins are failing (status degraded)", () => {
  it("says so on the sign-in form, pointing to the file where one is taken", async () => {
    await mount({ utility: { ...SANDBOX, status: "degraded", connection_methods: ["file", "login"] } });
    await screen.findByRole("heading", { name: "Sign in to Sandbox Power & Light" });
    expect(screen.getByText(/website is having trouble right now/).textContent).toBe(
      "Sandbox Power & Light's website is having trouble right now, so signing in may fail. You can upload a Green Button file instead.",
    );
  });

  it("says nothing while the utility is active", async () => {
    await mount();
    await screen.findByRole("heading", { name: "Sign in to Sandbox Power & Light" });
    expect(screen.queryByText(/website is having trouble/)).toBeNull();
  });
});
