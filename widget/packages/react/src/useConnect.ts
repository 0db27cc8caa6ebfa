// useConnect(config): the loader's handle, made in an effect (never during render), so StrictMode's
// mount → unmount → mount makes and destroys a spare handle that never opened, and server
// rendering never reaches the loader. Callbacks are read through a ref: changing them on a
// re-render does not make a new handle; changing the token or server does.
import { create, type ConnectConfig, type ConnectHandle, type ExitOptions } from "@gridlink/connect";
import { useCallback, useEffect, useRef, useState } from "react";

export interface UseConnectResult {
  /** Open Connect. A no-op until `ready`, while open, and after unmount. */
  open: () => void;
  /** Ask Connect to close; `onExit` follows. */
  exit: (options?: ExitOptions) => void;
  /** True once the handle exists in the browser (never during server rendering) and the config is valid. */
  ready: boolean;
  /** The config error that keeps `ready` false, e.g. a missing connectToken; its message says how to fix it. */
  error: Error | null;
}

type CallbackName = "onSuccess" | "onExit" | "onEvent" | "onLoad";

export function useConnect(config: ConnectConfig): UseConnectResult {
  const latest = useRef(config);
  const handle = useRef<ConnectHandle | null>(null);
  const [ready, setReady] = useState(false);
  const [error, setError] = useState<Error | null>(null);
  const { connectToken, baseUrl, loadTimeoutMs } = config;

  useEffect(() => {
    latest.current = config;
  });

  useEffect(() => {
    // Relay each callback to the latest render's one; pass a wrong value through so the loader's
    // config check reports it (only a missing optional callback is relayed as "maybe later").
    const relay = (name: CallbackName): unknown => {
      const value = latest.current[name];
      return typeof value == "function" || (value == null && name != "onSuccess")
        ? (...args: unknown[]) => (latest.current[name] as ((...a: unknown[]) => void) | undefined)?.(...args)
        : value;
    };
    let made: ConnectHandle;
    try {
      made = create({
        ...latest.current,
        onSuccess: relay("onSuccess"),
        onExit: relay("onExit"),
        onEvent: relay("onEvent"),
        onLoad: relay("onLoad"),
      } as ConnectConfig);
    } catch (failure) {
      // Also in the console: a button that never becomes ready must not fail silently.
      console.error(failure);
      setError(failure as Error);
      return;
    }
    handle.current = made;
    setError(null);
    setReady(true);
    return () => {
      handle.current = null;
      setReady(false);
      made.destroy();
    };
  }, [connectToken, baseUrl, loadTimeoutMs]);

  const open = useCallback(() => handle.current?.open(), []);
  const exit = useCallback((options?: ExitOptions) => handle.current?.exit(options), []);
  return { open, exit, ready, error };
}
