// <ConnectButton config={...}>Link your utility</ConnectButton>: a plain <button> that opens
// Connect, disabled until the hook is ready. Other button props pass through.
import type { ConnectConfig } from "@gridlink/connect";
import { type ButtonHTMLAttributes, createElement, type ReactElement } from "react";
import { useConnect } from "./useConnect";

export interface ConnectButtonProps extends Omit<ButtonHTMLAttributes<HTMLButtonElement>, "onClick" | "type"> {
  config: ConnectConfig;
}

export function ConnectButton({ config, disabled, ...buttonProps }: ConnectButtonProps): ReactElement {
  const { open, ready } = useConnect(config);
  return createElement("button", { ...buttonProps, type: "button", disabled: disabled || !ready, onClick: open });
}
