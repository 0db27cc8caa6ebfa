"""Widget benchmark (issue 10): what the end user gets from a host app on another origin.

    make bench-widget            # or: .venv/bin/python bench/widget.py [--runs 20]

A real `gridlink serve` (SQLite, a temporary data folder) on http://127.0.0.1:<p1>, and the test
host app (tests/e2e/host_apps.py) on http://localhost:<p2>: its script-tag page and its React
19 app (widget/examples/react-host, built for production here). Every run is a fresh browser
context (nothing cached) in Debian's Chromium, and does what an end user does:

1. open(): the host page's button (its backend made the connect token when the page loaded);
2. first screen: until the consent heading is *on screen* — the first animation frame after it
   is in the frame's DOM, which a hidden frame does not get until the loader reveals it (not
   onLoad, which is only Connect's word for it);
3. the whole user_good connection, clicked by Playwright as a person would (consent, utility,
   credentials), until "Your account is connected" is on screen.

Both times are measured in the browser, from the host's open() call (performance.timeOrigin +
now(), one clock for the host page and the Connect frame). Bytes are what crossed the network
from the Gridlink server (the encoded, that is compressed if it was, response bodies; and with
headers), and requests are counted, from open() to the first screen and for the whole run.
Finally the gzip sizes of the built loader and React package (which a React app bundles).

Prints a table against the goals; asserts nothing. A run whose first screen never shows (within
--stuck-after seconds) is counted and left out of the medians. Needs `make widget-build` and
Chromium; `make bench-widget` does both.
"""

from __future__ import annotations

import argparse
import gzip
import statistics
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from playwright.sync_api import Browser, Error, Frame, Page, Request, sync_playwright
from playwright.sync_api import TimeoutError as PlaywrightTimeout
from tests.e2e.embedded import CONNECTED, Embedded, Person, new_context, wait_for_entries
from tests.e2e.harness import (
    CHROMIUM,
    LAUNCH_ARGS,
    ROOT,
    gridlink_server,
    missing_prerequisites,
)
from tests.e2e.host_apps import HostApp, build_react_host, host_app

WIDGET = ROOT / "widget" / "packages"
LOADER_AND_REACT_BUDGET = 2500
UI_BUDGET = 40_000
FIRST_SCREEN_BUDGET_MS = 300
CONNECTION_BUDGET_MS = 1500
CONSENT_TEXT = "uses Gridlink to connect your utility account"
# Every connection starts a backfill on the server; two months keep it from competing with the
# next runs for this machine's CPU.
SETTINGS = {"GRIDLINK_SYNC_HISTORY_MONTHS": "2"}

# The time a heading containing `text` was first on screen, if it was.
FIND = "(text) => Object.keys(window.__onScreen).find((h) => h.includes(text))"
SEEN_AT = (
    "(text) => window.__onScreen[Object.keys(window.__onScreen).find((h) => h.includes(text))]"
)

# In every document of the context (the host page and the Connect frame), before its scripts:
# note when each level-1 heading is first on screen, as ms since the epoch.
ON_SCREEN_PROBE = """(() => {
  const now = () => performance.timeOrigin + performance.now();
  const onScreen = (window.__onScreen = {});
  const pending = new Set();
  const look = () => {
    for (const h of document.querySelectorAll("h1")) {
      const text = h.textContent.trim();
      if (text in onScreen || pending.has(text)) continue;
      pending.add(text);
      // The next frame after it entered the DOM: when the end user can see it.
      requestAnimationFrame(() => { onScreen[text] = now(); });
    }
  };
  const all = {subtree: true, childList: true, characterData: true};
  new MutationObserver(look).observe(document, all);
})();"""


@dataclass
class Run:
    first_screen_ms: float | None = None
    connection_ms: float | None = None
    # Requests to the Gridlink server from open() to the first screen, and in the whole run
    # (the loader's own script tag included).
    requests_to_first_screen: int = 0
    requests_in_all: int = 0


@dataclass
class Served:
    """What one run downloaded from the Gridlink server, by part."""

    body: dict[str, int] = field(default_factory=dict)
    with_headers: dict[str, int] = field(default_factory=dict)
    encodings: dict[str, set[str]] = field(default_factory=dict)
    count: dict[str, int] = field(default_factory=dict)


def part_of(path: str) -> str:
    if path == "/connect.js":
        return "loader"
    if path in ("/connect/frame", "/connect/link") or path.startswith("/connect/ui/"):
        return "ui"
    if path.startswith("/connect/api/"):
        return "api"
    return "other"


def from_gridlink(requests: list[Request], gridlink: str) -> list[Request]:
    return [r for r in requests if r.url.startswith(gridlink + "/")]


def served(requests: list[Request]) -> Served:
    seen = Served()
    for request in requests:
        response = request.response()
        if response is None:
            continue
        sizes = request.sizes()
        part = part_of(urlsplit(request.url).path)
        seen.body[part] = seen.body.get(part, 0) + sizes["responseBodySize"]
        transferred = sizes["responseBodySize"] + sizes["responseHeadersSize"]
        seen.with_headers[part] = seen.with_headers.get(part, 0) + transferred
        seen.count[part] = seen.count.get(part, 0) + 1
        encoding = response.headers.get("content-encoding", "identity")
        seen.encodings.setdefault(part, set()).add(encoding)
    return seen


def connect_frame(page: Page) -> Frame:
    handle = Embedded(page).iframe.element_handle()
    frame = handle.content_frame()
    assert frame is not None
    return frame


def one_run(browser: Browser, url: str, gridlink: str, stuck_after_ms: float) -> tuple[Run, Served]:
    context = new_context(browser)
    context.add_init_script(ON_SCREEN_PROBE)
    run = Run()
    finished: list[Request] = []
    context.on("requestfinished", lambda request: finished.append(request))
    try:
        page = context.new_page()
        page.goto(url)
        connect = Embedded(page)
        before_open = len(finished)
        connect.open()
        wait_for_entries(page, "open")
        opened_at = float(page.evaluate("() => window.hostLog.find((e) => e.kind === 'open').at"))
        frame = connect_frame(page)
        try:
            frame.wait_for_function(FIND, arg=CONSENT_TEXT, timeout=stuck_after_ms)
        except PlaywrightTimeout:
            return run, served(from_gridlink(finished, gridlink))
        run.first_screen_ms = float(frame.evaluate(SEEN_AT, CONSENT_TEXT)) - opened_at
        run.requests_to_first_screen = len(from_gridlink(finished[before_open:], gridlink))
        Person(connect.ui).connect_user_good()
        frame.wait_for_function(FIND, arg=CONNECTED)
        run.connection_ms = float(frame.evaluate(SEEN_AT, CONNECTED)) - opened_at
        everything = from_gridlink(finished, gridlink)
        run.requests_in_all = len(everything)
        return run, served(everything)
    finally:
        context.close()


def bench_host(
    browser: Browser, host: HostApp, path: str, runs: int, stuck_after_ms: float
) -> tuple[list[Run], Served]:
    url = f"{host.origin}{path}"
    gridlink = host.server.url
    one_run(browser, url, gridlink, stuck_after_ms)  # warm-up: the server's first requests
    results = []
    last = Served()
    for _ in range(runs):
        try:
            run, seen = one_run(browser, url, gridlink, stuck_after_ms)
        except Error as failed:
            print(f"  a run failed: {str(failed).splitlines()[0]}", file=sys.stderr)
            run, seen = Run(), last
        if run.connection_ms is not None:
            last = seen  # what a whole connection downloads (every run gets the same files)
        results.append(run)
    return results, last


# Table ------------------------------------------------------------------------------------


def verdict(value: float, budget: float, unit: str) -> str:
    mark = "ok" if value <= budget else "OVER"
    return f"≤ {budget:g} {unit}: {mark}"


def spread(values: list[float]) -> str:
    if not values:
        return "no run got there"
    middle = statistics.median(values)
    return f"median {middle:.0f} ms (min {min(values):.0f}, max {max(values):.0f})"


def timing_rows(label: str, results: list[Run]) -> list[tuple[str, str, str]]:
    first = [r.first_screen_ms for r in results if r.first_screen_ms is not None]
    whole = [r.connection_ms for r in results if r.connection_ms is not None]
    counts = [r.requests_to_first_screen for r in results if r.first_screen_ms is not None]
    all_counts = [r.requests_in_all for r in results if r.connection_ms is not None]
    stuck = len(results) - len(first)
    rows = [
        (
            f"{label}: open() → first screen on screen",
            spread(first),
            verdict(statistics.median(first), FIRST_SCREEN_BUDGET_MS, "ms") if first else "",
        ),
        (
            f"{label}: whole connection (user_good)",
            spread(whole),
            verdict(statistics.median(whole), CONNECTION_BUDGET_MS, "ms") if whole else "",
        ),
        (
            f"{label}: requests to the first screen",
            f"median {statistics.median(counts):.0f}" if counts else "",
            "",
        ),
        (
            f"{label}: requests, page load to connected",
            f"median {statistics.median(all_counts):.0f}" if all_counts else "",
            "",
        ),
    ]
    if stuck:
        never = f"{stuck} of {len(results)} runs"
        rows.append((f"{label}: never showed the first screen", never, "OVER"))
    return rows


def served_rows(seen: Served) -> list[tuple[str, str, str]]:
    def described(part: str) -> str:
        encodings = ", ".join(sorted(seen.encodings.get(part, set()))) or "-"
        return (
            f"{seen.body.get(part, 0)} B body, {seen.with_headers.get(part, 0)} B with headers, "
            f"{seen.count.get(part, 0)} request(s) (Content-Encoding: {encodings})"
        )

    ui = seen.body.get("ui", 0)
    rows = [
        ("served: Connect UI (page + /connect/ui/)", described("ui"), verdict(ui, UI_BUDGET, "B")),
        ("served: loader /connect.js", described("loader"), ""),
        ("served: widget API (/connect/api/)", described("api"), ""),
    ]
    if seen.count.get("other"):
        rows.append(("served: anything else", described("other"), ""))
    return rows


def gz(path: Path) -> tuple[int, int]:
    raw = path.read_bytes()
    return len(raw), len(gzip.compress(raw, compresslevel=9))


def bundle_rows() -> list[tuple[str, str, str]]:
    loader = gz(WIDGET / "connect" / "dist" / "connect.js")
    loader_esm = gz(WIDGET / "connect" / "dist" / "index.js")
    react = gz(WIDGET / "react" / "dist" / "index.js")
    both = loader_esm[1] + react[1]
    return [
        ("built: loader connect.js (script tag)", f"{loader[1]} B gzip ({loader[0]} B raw)", ""),
        (
            "built: loader ESM + @gridlink/react ESM",
            f"{both} B gzip",
            verdict(both, LOADER_AND_REACT_BUDGET, "B"),
        ),
    ]


def print_table(title: str, rows: list[tuple[str, str, str]]) -> None:
    width = max(len(r[0]) for r in rows)
    value_width = max(len(r[1]) for r in rows)
    print(f"\n{title}")
    for label, value, budget in rows:
        print(f"  {label:<{width}}  {value:<{value_width}}  {budget}".rstrip())


def main() -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--runs", type=int, default=20, help="runs per host page (default 20)")
    parser.add_argument(
        "--stuck-after", type=float, default=10, help="seconds before a run counts as stuck"
    )
    parser.add_argument("--sizes-only", action="store_true", help="only the built files' sizes")
    args = parser.parse_args()
    problems = missing_prerequisites()
    if problems:
        print("\n".join(problems), file=sys.stderr)
        return 1
    if args.sizes_only:
        print_table("Widget sizes (built files)", bundle_rows())
        return 0
    with tempfile.TemporaryDirectory() as tmp:
        dist = build_react_host(Path(tmp) / "react-host")
        with (
            gridlink_server(Path(tmp) / "data", settings=SETTINGS) as server,
            host_app(server, react_dist=dist) as host,
            sync_playwright() as driver,
        ):
            browser = driver.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
            title = (
                f"Widget benchmark: Chromium {browser.version}, host {host.origin}, "
                f"Gridlink {server.url}, {args.runs} fresh contexts per host page"
            )
            stuck_ms = args.stuck_after * 1000
            try:
                script, seen = bench_host(browser, host, "/script.html", args.runs, stuck_ms)
                react, _ = bench_host(browser, host, "/react/", args.runs, stuck_ms)
            finally:
                browser.close()
    rows = [
        *timing_rows("script tag", script),
        *timing_rows("React 19 app", react),
        *served_rows(seen),
        *bundle_rows(),
    ]
    print_table(title, rows)
    return 0


if __name__ == "__main__":
    sys.exit(main())
