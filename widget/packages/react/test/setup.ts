// Around every React test file: tell React that act() drives updates, and unmount every root
// (before the loader's cleanup in ../../connect/test/setup.ts, which was registered first).
import { act } from "react";
import { afterEach } from "vitest";
import "../../connect/test/setup";
import { roots } from "./render";

(globalThis as { IS_REACT_ACT_ENVIRONMENT?: boolean }).IS_REACT_ACT_ENVIRONMENT = true;

afterEach(() => {
  for (const root of roots.splice(0)) act(() => root.unmount());
});
