// The loader's public surface, checked by `npm run typecheck` (tsc) and, for the runtime names, here.
import { describe, expect, expectTypeOf, it } from "vitest";
import * as connect from "../src/index";
import type { ConnectHandle, EventName, ExitOptions } from "../src/index";

describe("public surface", () => {
  it("exports create and Gridlink.create, and nothing else at runtime", () => {
    expect(Object.keys(connect).sort()).toEqual(["Gridlink", "create"]);
    expect(connect.Gridlink.create).toBe(connect.create);
  });

  it("types the handle and accepts event names added later", () => {
    expectTypeOf(connect.create).returns.toEqualTypeOf<ConnectHandle>();
    expectTypeOf<ConnectHandle["exit"]>().parameter(0).toEqualTypeOf<ExitOptions | undefined>();
    expectTypeOf<"MFA_REQUIRED">().toExtend<EventName>();
    expectTypeOf<"SOME_FUTURE_EVENT">().toExtend<EventName>();
  });
});
