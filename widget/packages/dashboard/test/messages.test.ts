import { describe, expect, it } from "vitest";
import en from "../src/messages/en.json";
import es from "../src/messages/es.json";
import { STATUS_DETAILS, STATUSES, ATTENTION_KEYS } from "../src/types";

const placeholders = (text: string) => [...text.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();

describe("dashboard message files", () => {
  it("have the same keys and placeholders, and no empty message", () => {
    expect(Object.keys(es).sort()).toEqual(Object.keys(en).sort());
    for (const [key, text] of Object.entries(en)) {
      expect(placeholders(es[key as keyof typeof es]), key).toEqual(placeholders(text));
      expect(text.trim(), key).not.toBe("");
    }
  });

  it("name every status, status detail and attention count the UI shows", () => {
    const keys = new Set(Object.keys(en));
    for (const status of STATUSES) expect(keys.has(`status.${status}`), status).toBe(true);
    for (const detail of STATUS_DETAILS) expect(keys.has(`detail.${detail}`), detail).toBe(true);
    for (const key of ATTENTION_KEYS) expect(keys.has(`attention.${key}`) && keys.has(`attention.${key}.hint`), key).toBe(true);
  });
});
