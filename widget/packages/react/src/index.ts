// @gridlink/react: useConnect and <ConnectButton>. Imports the loader as a module, so there is one
// copy however many hooks mount, and no script tag to wait for.
export { ConnectButton, type ConnectButtonProps } from "./ConnectButton";
export { useConnect, type UseConnectResult } from "./useConnect";
export type {
  ConnectConfig,
  ConnectHandle,
  EventMetadata,
  EventName,
  ExitMetadata,
  ExitOptions,
  ExitStatus,
  SuccessPayload,
} from "@gridlink/connect";
