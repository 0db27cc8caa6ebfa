// Renders into a fresh root inside React.StrictMode (mount → unmount → mount of every effect, as
// in development); test/setup.ts unmounts every root after each test.
import { StrictMode, act, createElement, type ReactElement } from "react";
import { createRoot, type Root } from "react-dom/client";

export const roots: Root[] = [];

export function renderStrict(element: ReactElement): { rerender(next: ReactElement): void; unmount(): void } {
  const root = createRoot(document.body.appendChild(document.createElement("div")));
  roots.push(root);
  act(() => root.render(createElement(StrictMode, null, element)));
  return {
    rerender: (next) => act(() => root.render(createElement(StrictMode, null, next))),
    unmount: () => act(() => root.unmount()),
  };
}
