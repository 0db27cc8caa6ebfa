// useConnect(config): the loader's handle, made in an effect (never during render), so StrictMode's
// mount → unmount → mount makes and destroys a spare handle that never opened, and server
// rendering never reaches the loader. Callbacks are read through a ref when the loader calls them:
// changing them on a re-render does not make a new handle; changing the token or server does.
import { create, type ConnectConfig, type ConnectHandle, type ExitOptions } from "@gridlink/connect";
import { useEffect, useRef, useState } from "react";

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

export function useConnect(config: ConnectConfig): UseConnectResult {
  const latest = useRef(config);
  const handle = useRef<ConnectHandle | null>(null);
  // Set together: [ready, error].
  const [[ready, error], setState] = useState<[boolean, Error | null]>([false, null]);
  const { connectToken, baseUrl, loadTimeoutMs } = config;

  useEffect(() => {
    latest.current = config;
  });

  useEffect(() => {
    try {
      // The loader reads callbacks when it calls them: through this view of the latest render's
      // config it calls that render's ones (and create() checks the config as it is now).
      const made = (handle.current = create(
        new Proxy({} as ConnectConfig, { get: (_, name) => latest.current[name as keyof ConnectConfig] }),
      ));
      setState([true, null]);
      // A destroyed handle ignores every later call: open() after unmount does nothing.
      return () => made.destroy();
    } catch (failure) {
      // Also in the console: a button that never becomes ready must not fail silently.
      console.error(failure);
      setState([false, failure as Error]);
      return;
    }
  }, [connectToken, baseUrl, loadTimeoutMs]);

  // The same open and exit for the component's whole life: the first render's (a ref keeps them;
  // later renders' copies are dropped).
  const actions = useRef({
    open: () => handle.current?.open(),
    exit: (options?: ExitOptions) => handle.current?.exit(options),
  }).current;
  return { ...actions, ready, error };
}
