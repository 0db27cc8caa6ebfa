"""Widget benchmark (issue 5): what integrators download and how fast Connect feels.

    make bench-widget            # or: .venv/bin/python bench/widget.py [--runs 20]

1. gzip (level 9) sizes of the built files: the connect.js loader, the React package's ESM and
   the Connect UI (every JS and CSS file its Vite manifest lists), from their dist folders.
2. First screen: from `open()` to `onLoad` (the frame's `ready` message: the first screen is
   interactive), median of --runs, in headless Chromium on localhost, against a real
   `gridlink serve` (SQLite, its own temporary data folder).
3. A whole sandbox connection, scripted as a person would click it (`user_good`): from `open()`
   on the demo page through consent, utility, credentials, to the success screen; median of
   --runs.

Prints a table with the budgets; asserts nothing. Needs `make widget-build` and Chromium
(`scripts/ensure-chromium`); `make bench-widget` does both.
"""

from __future__ import annotations

import argparse
import gzip
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Browser, Page, sync_playwright
from tests.e2e.flows import connect_user_good, open_demo
from tests.e2e.harness import (
    CHROMIUM,
    LAUNCH_ARGS,
    ROOT,
    Server,
    gridlink_server,
    missing_prerequisites,
)

WIDGET = ROOT / "widget" / "packages"
LOADER_AND_REACT_BUDGET = 2500
UI_BUDGET = 40_000
FIRST_SCREEN_BUDGET_MS = 300
CONNECTION_BUDGET_MS = 1500

# Opens Connect through the demo page's loader and resolves with ms from open() to onLoad.
TIME_TO_READY = """(token) => new Promise((resolve, reject) => {
  let started = 0;
  const handle = window.Gridlink.create({
    connectToken: token,
    onSuccess() {},
    onLoad() { const ms = performance.now() - started; handle.destroy(); resolve(ms); },
    onExit(status) { if (status !== "user_initiated_exit") reject(new Error(status)); },
  });
  started = performance.now();
  handle.open();
})"""

NEW_TOKEN = """async (user) => {
  const r = await fetch("/demo/api/connect_token", {method: "POST",
    headers: {"Content-Type": "application/json"}, body: JSON.stringify({client_user_id: user})});
  return (await r.json()).connect_token;
}"""


def gz(path: Path) -> tuple[int, int]:
    raw = path.read_bytes()
    return len(raw), len(gzip.compress(raw, compresslevel=9))


def ui_files() -> list[Path]:
    dist = WIDGET / "ui" / "dist"
    manifest = json.loads((dist / "manifest.json").read_text())
    names: set[str] = set()
    for chunk in manifest.values():
        names.add(chunk["file"])
        names.update(chunk.get("css", []))
    return sorted(dist / name for name in names)


def sizes() -> list[tuple[str, str, str]]:
    loader = gz(WIDGET / "connect" / "dist" / "connect.js")
    react = gz(WIDGET / "react" / "dist" / "index.js")
    ui = [gz(p) for p in ui_files()]
    ui_js = sum(g for p, (_, g) in zip(ui_files(), ui, strict=True) if p.suffix == ".js")
    ui_css = sum(g for p, (_, g) in zip(ui_files(), ui, strict=True) if p.suffix == ".css")
    both = loader[1] + react[1]
    ui_total = ui_js + ui_css
    rows = [
        ("loader connect.js (IIFE)", f"{loader[1]} B gzip ({loader[0]} B raw)", ""),
        ("@gridlink/react (ESM)", f"{react[1]} B gzip ({react[0]} B raw)", ""),
        ("loader + React", f"{both} B gzip", verdict(both, LOADER_AND_REACT_BUDGET, "B")),
        ("Connect UI JS", f"{ui_js} B gzip", ""),
        ("Connect UI CSS", f"{ui_css} B gzip", ""),
        ("Connect UI (JS + CSS)", f"{ui_total} B gzip", verdict(ui_total, UI_BUDGET, "B")),
    ]
    return rows


def verdict(value: float, budget: float, unit: str) -> str:
    mark = "ok" if value <= budget else "OVER"
    return f"≤ {budget:g} {unit}: {mark}"


def timed(runs: int, one: Callable[[int], float]) -> list[float]:
    one(-1)  # warm-up: first compile of the page, the server's first requests
    return [one(i) for i in range(runs)]


def first_screen(browser: Browser, server: Server, runs: int) -> list[float]:
    context = browser.new_context()
    page = context.new_page()
    open_demo(page, server)

    def one(i: int) -> float:
        token = page.evaluate(NEW_TOKEN, f"demo-bench-ready-{i + 1}")
        return float(page.evaluate(TIME_TO_READY, token))

    try:
        return timed(runs, one)
    finally:
        context.close()


def whole_connection(browser: Browser, server: Server, runs: int) -> list[float]:
    def one(i: int) -> float:
        context = browser.new_context()
        page: Page = context.new_page()
        try:
            open_demo(page, server)
            started = time.perf_counter()
            connect_user_good(page)
            return (time.perf_counter() - started) * 1000
        finally:
            context.close()

    return timed(runs, one)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--sizes-only", action="store_true", help="skip the browser timings")
    args = parser.parse_args()
    problems = missing_prerequisites()
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    rows = sizes()
    if args.sizes_only:
        print_table("Widget sizes", rows)
        return 0
    with (
        tempfile.TemporaryDirectory() as tmp,
        gridlink_server(Path(tmp) / "data") as server,
        sync_playwright() as driver,
    ):
        browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
        title = f"Widget benchmark (Chromium {browser.version}, {server.url})"
        try:
            ready = first_screen(browser, server, args.runs)
            whole = whole_connection(browser, server, args.runs)
        finally:
            browser.close()
    for label, values, budget in (
        ("open() → first screen interactive", ready, FIRST_SCREEN_BUDGET_MS),
        ("whole connection (user_good)", whole, CONNECTION_BUDGET_MS),
    ):
        median = statistics.median(values)
        spread = f"median {median:.0f} ms (min {min(values):.0f}, max {max(values):.0f})"
        rows.append((f"{label}, {len(values)} runs", spread, verdict(median, budget, "ms")))
    print_table(title, rows)
    return 0


def print_table(title: str, rows: list[tuple[str, str, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    print(f"\n{title}")
    for label, value, budget in rows:
        print(f"  {label:<{width}}  {value:<{value_width}}  {budget}".rstrip())


if __name__ == "__main__":
    sys.exit(main())
