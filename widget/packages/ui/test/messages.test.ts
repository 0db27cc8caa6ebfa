import { describe, expect, it } from "vitest";
import en from "../src/messages/en.json";
import es from "../src/messages/es.json";
import { pickLanguage, translator } from "../src/i18n";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("message files", () => {
  it("have the same keys", () => {
    expect(Object.keys(es).sort()).toEqual(Object.keys(en).sort());
  });

  it("use the same placeholders in every message", () => {
    for (const [key, text] of Object.entries(en)) {
      expect(placeholders(es[key as keyof typeof es]), key).toEqual(placeholders(text));
    }
  });

  it("have no empty message", () => {
    for (const table of [en, es]) for (const text of Object.values(table)) expect(text.trim()).not.toBe("");
  });
});

describe("language", () => {
  it("follows the session, then the browser, then English", () => {
    expect(pickLanguage("es", ["en-US"])).toBe("es");
    expect(pickLanguage(null, ["es-MX", "en"])).toBe("es");
    expect(pickLanguage(null, ["fr-FR", "en-GB"])).toBe("en");
    expect(pickLanguage("de", ["fr"])).toBe("en");
  });

  it("fills placeholders with plain text", () => {
    const t = translator("es");
    expect(t("mfa.wrongMany", { count: 3 })).toBe("Ese código no es correcto. Le quedan 3 intentos.");
    expect(translator("en")("logoAlt", { client: "<b>Acme</b>" })).toBe("<b>Acme</b> logo");
  });
});
