// Runs around every test file of the DOM projects (a setup file, so it also holds when test files
// share a worker): no handle, overlay, page style or fake clock survives a test.
import { afterEach, vi } from "vitest";
import { handles } from "./helpers";

afterEach(() => {
  for (const handle of handles.splice(0)) handle.destroy();
  if (typeof document != "undefined") {
    document.body.innerHTML = "";
    document.body.removeAttribute("style");
  }
  vi.useRealTimers();
});
