// The public types, checked by `npm run typecheck` (tsc); the test itself only runs the checks' shells.
import type { ConnectConfig, ExitMetadata, ExitStatus, SuccessPayload } from "@gridlink/connect";
import { describe, expectTypeOf, it } from "vitest";
import { ConnectButton, type ConnectButtonProps, type UseConnectResult, useConnect } from "../src/index";

describe("types", () => {
  it("useConnect returns {open, exit, ready, error}", () => {
    expectTypeOf(useConnect).parameter(0).toEqualTypeOf<ConnectConfig>();
    expectTypeOf(useConnect).returns.toEqualTypeOf<UseConnectResult>();
    expectTypeOf<UseConnectResult["open"]>().toEqualTypeOf<() => void>();
    expectTypeOf<UseConnectResult["ready"]>().toEqualTypeOf<boolean>();
    expectTypeOf<UseConnectResult["error"]>().toEqualTypeOf<Error | null>();
  });

  it("types the callbacks' arguments", () => {
    const config: ConnectConfig = {
      connectToken: "glct_x",
      onSuccess: (result) => expectTypeOf(result).toEqualTypeOf<SuccessPayload>(),
      onExit: (status, metadata) => {
        expectTypeOf(status).toEqualTypeOf<ExitStatus>();
        expectTypeOf(metadata).toEqualTypeOf<ExitMetadata>();
      },
    };
    expectTypeOf(config.onSuccess).parameter(0).toHaveProperty("authorization_code").toEqualTypeOf<string>();
    expectTypeOf<"load_error">().toExtend<ExitStatus>();
    expectTypeOf<"closed">().not.toExtend<ExitStatus>();
  });

  it("rejects configs and button props that cannot work", () => {
    // @ts-expect-error onSuccess is required
    const noSuccess: ConnectConfig = { connectToken: "glct_x" };
    // @ts-expect-error onClick belongs to the button, not to the caller
    const withClick: ConnectButtonProps = { config: noSuccess, onClick: () => {} };
    const ok: ConnectButtonProps = { config: noSuccess, className: "x", children: "Link", disabled: false };
    expectTypeOf(ConnectButton).parameter(0).toEqualTypeOf<ConnectButtonProps>();
    expectTypeOf([withClick, ok]).toBeArray();
  });
});
