// How the UI reads the controller: what the controller holds at render time, with the
// subscription made before anything can change it. Preact runs layout effects before render()
// returns, so the listener is in place before main.tsx starts the controller; the check after
// subscribing catches a change made between the render and the subscription anyway. (The old
// subscription in a useEffect ran after the first paint, and a fast answer to POST /sessions
// was lost: the page stayed on "Loading…".)
import { useLayoutEffect, useReducer } from "preact/hooks";
import type { Controller, State } from "./controller";

export function useControllerState(controller: Controller): State {
  const [, rerender] = useReducer((n: number, _: void) => n + 1, 0);
  const rendered = controller.state;
  useLayoutEffect(() => {
    const stop = controller.subscribe(() => rerender());
    if (controller.state !== rendered) rerender();
    return stop;
  }, [controller]);
  return controller.state;
}

/**
 * Runs `callback` once the browser has painted what the DOM holds now: the next animation frame
 * comes before that paint, the task queued from it after. A frame the browser does not render
 * (display:none, a background tab) gets no animation frame: after 100 ms a timer stands in.
 * Returns a cancel function.
 */
export function afterPaint(callback: () => void): () => void {
  let cancelled = false;
  let after: ReturnType<typeof setTimeout> | undefined;
  const painted = () => {
    clearTimeout(fallback);
    cancelAnimationFrame(frame);
    after ??= setTimeout(() => cancelled || callback());
  };
  const fallback = setTimeout(painted, 100);
  const frame = requestAnimationFrame(painted);
  return () => {
    cancelled = true;
    clearTimeout(fallback);
    clearTimeout(after);
    cancelAnimationFrame(frame);
  };
}
