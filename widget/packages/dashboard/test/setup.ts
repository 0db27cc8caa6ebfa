import { cleanup } from "@testing-library/preact";
import { afterEach, vi } from "vitest";
import { loader } from "../src/connect";
import { create } from "@gridlink/connect";

afterEach(() => {
  cleanup();
  document.body.innerHTML = "";
  history.replaceState(null, "", "/");
  document.title = "";
  localStorage.clear();
  loader.create = create;
  vi.useRealTimers();
});
