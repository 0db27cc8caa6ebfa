import { describe, expect, it } from "vitest";
import type { Utility } from "../src/api";
import { fileCadence, formatDays, formatSize, hintFor, meterCadence, pluralForm, signsIn, takesFile } from "../src/files";
import { backFrom, screenForSession } from "../src/flow";
import { session } from "./fakes";

const utility = (patch: Partial<Utility>): Utility => ({
  id: "u", name: "U", commodities: ["electric"], status: "active", ...patch,
});

describe("connection methods", () => {
  it("sign in where login is offered; a file where file is", () => {
    expect(signsIn(utility({ connection_methods: ["login", "file"] }))).toBe(true);
    expect(signsIn(utility({ status: "unsupported", connection_methods: ["file"] }))).toBe(false);
    expect(takesFile(utility({ connection_methods: ["file"] }))).toBe(true);
    expect(takesFile(utility({ connection_methods: ["login"] }))).toBe(false);
    // A server from before connection_methods: a sign-in unless unsupported, never a file.
    expect(signsIn(utility({}))).toBe(true);
    expect(signsIn(utility({ status: "unsupported" }))).toBe(false);
    expect(takesFile(utility({}))).toBe(false);
  });

  it("open a file credential's update on the upload screen, with no way back", () => {
    const update = session({ mode: "update", step: "upload" });
    expect(screenForSession(update)).toBe("upload");
    expect(backFrom("upload", update)).toBeNull();
    const fileOnly = session({ mode: "create", step: "credentials", utility: utility({ status: "unsupported", connection_methods: ["file"] }) });
    expect(screenForSession(fileOnly)).toBe("unsupported");
    expect(backFrom("upload", fileOnly)).toBe("unsupported");
    expect(backFrom("upload", session({ mode: "create", utility: utility({ connection_methods: ["login", "file"] }) }))).toBe("credentials");
    expect(backFrom("upload_summary", fileOnly)).toBeNull();
  });

  it("hint where the utility's site is known", () => {
    expect(hintFor("sandbox_gas")).toBe("upload.hint.sandbox");
    expect(hintFor("eia_14328")).toBe("upload.hint.pge");
    expect(hintFor("eia_13781")).toBeNull();
    expect(hintFor(null)).toBeNull();
  });
});

describe("reading lengths", () => {
  const year = { start: "2024-01-01T08:00:00Z", end: "2025-01-01T08:00:00Z" };
  it("are named when the readings fill the span evenly", () => {
    expect(meterCadence({ readings: 8784, ...year })).toBe("hourly");
    expect(meterCadence({ readings: 8784 * 4, ...year })).toBe("quarterHour");
    expect(meterCadence({ readings: 366, ...year })).toBe("daily");
    expect(meterCadence({ readings: 8000, ...year })).toBeNull(); // gaps
    expect(meterCadence({ readings: 1, ...year })).toBeNull();
    expect(meterCadence({ readings: 24, start: null, end: null })).toBeNull();
  });

  it("name a file's only when all its meters agree", () => {
    const meter = { meter_id: "m", number: "1", commodity: "electric", new_readings: 0, statements: 0, ...year };
    const found = { readings: 0, new_readings: 0, statements: 0, warnings: [], ...year };
    expect(fileCadence({ ...found, meters: [{ ...meter, readings: 8784 }, { ...meter, readings: 0 }] })).toBe("hourly");
    expect(fileCadence({ ...found, meters: [{ ...meter, readings: 8784 }, { ...meter, readings: 366 }] })).toBeNull();
  });
});

describe("the session's language", () => {
  it("plural forms", () => {
    expect(pluralForm("en", 1)).toBe("One");
    expect(pluralForm("en", 0)).toBe("Many");
    expect(pluralForm("es", 1)).toBe("One");
    expect(pluralForm("es", 2)).toBe("Many");
    expect(pluralForm("es", 1_000_000)).toBe("Many");
  });

  it("sizes", () => {
    expect(formatSize("en", 64 * 1024 * 1024)).toBe("64 MB");
    expect(formatSize("en", 1536 * 1024)).toBe("1.5 MB");
    expect(formatSize("es", 1536 * 1024)).toBe("1,5 MB");
    expect(formatSize("en", 2048)).toBe("2 kB");
    expect(formatSize("en", 10)).toBe("0.1 kB");
  });

  it("days: the first, and the last the readings cover (the end is where the last one ends)", () => {
    const la = "America/Los_Angeles";
    expect(formatDays("en", "2011-01-01T08:00:00Z", "2012-01-01T08:00:00Z", la)).toEqual(["Jan 1, 2011", "Dec 31, 2011"]);
    expect(formatDays("es", "2011-01-01T08:00:00Z", "2012-01-01T08:00:00Z", la)).toEqual(["1 ene 2011", "31 dic 2011"]);
    // In New York the same instants are Jan 1, 03:00 to Jan 1, 03:00.
    expect(formatDays("en", "2011-01-01T08:00:00Z", "2012-01-01T08:00:00Z", "America/New_York")).toEqual(["Jan 1, 2011", "Jan 1, 2012"]);
  });
});
