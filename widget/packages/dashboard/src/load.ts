// Loading a screen's data: one hook, three states (loading, error, ready), and a reload.
import { useCallback, useEffect, useRef, useState } from "preact/hooks";
import { ApiError } from "./api";

export type Loaded<T> =
  | { state: "loading"; data?: T }
  | { state: "error"; error: ApiError; data?: T }
  | { state: "ready"; data: T };

export function useLoad<T>(load: () => Promise<T>, deps: unknown[]): Loaded<T> & { reload(): void } {
  const [result, setResult] = useState<Loaded<T>>({ state: "loading" });
  const [round, setRound] = useState(0);
  const latest = useRef(0);
  useEffect(() => {
    const ticket = ++latest.current;
    setResult((previous) => ({ state: "loading", ...(previous.data === undefined ? {} : { data: previous.data }) }));
    load().then(
      (data) => ticket == latest.current && setResult({ state: "ready", data }),
      (error: unknown) =>
        ticket == latest.current &&
        setResult({ state: "error", error: error instanceof ApiError ? error : new ApiError(0, "network_error", "") }),
    );
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [...deps, round]);
  const reload = useCallback(() => setRound((n) => n + 1), []);
  return { ...result, reload };
}
