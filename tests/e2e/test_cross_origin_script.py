"""The `connect.js` script tag on a host page of another origin (http://localhost:<p2> against a
server on http://127.0.0.1:<p1>), as a new integrator embeds it: every opening, in a fresh
browser context, shows the first screen by the time the host hears onLoad — with the frame's
POST /connect/api/sessions answered as fast as the server can, and answered late.

The full connection and the count of onSuccess/onExit from this page: test_exit_counts.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, Route

from tests.e2e.embedded import LOADED_OR_ENDED, Embedded, failure_report, open_many
from tests.e2e.harness import Server
from tests.e2e.host_apps import HostApp, host_app

RUNS = 20
# How late the session answer arrives in the delayed runs, cycled over the runs: from "just after
# the frame's first render" to "long after it", so the UI's wait for the network is exercised on
# both sides of its first paint.
DELAYS_MS = (0, 15, 40, 80, 150, 300, 600)


@pytest.fixture(scope="module")
def host(server: Server) -> Iterator[HostApp]:
    with host_app(server) as app:
        yield app


def open_and_check(page: Page, host: HostApp) -> str | None:
    page.goto(f"{host.origin}/script.html")
    connect = Embedded(page)
    connect.open()
    return connect.first_screen_problem(LOADED_OR_ENDED)


def delay_session_answer(page: Page, delay_ms: int) -> list[str]:
    """Hold the server's answer to the frame's POST /connect/api/sessions (the ticket trade
    that brings the first screen) for ``delay_ms`` before the frame gets it. The request
    itself reaches the server at once; only its answer is late, as on a slow network. Playwright
    routes the requests of every frame of the page, the cross-site Connect frame included.
    Returns the list of answers held so far (so a run can check it really was delayed)."""
    held: list[str] = []

    def hold(route: Route) -> None:
        answer = route.fetch()
        page.wait_for_timeout(delay_ms)  # the simulated network latency, not a wait for a result
        route.fulfill(response=answer)
        held.append(route.request.frame.url)

    page.route("**/connect/api/sessions", hold)
    return held


def test_every_opening_shows_the_first_screen(browser: Browser, host: HostApp) -> None:
    failures = open_many(browser, RUNS, lambda page: open_and_check(page, host))
    assert failures == [], failure_report(failures, RUNS)


def test_every_opening_shows_the_first_screen_when_the_session_answer_is_late(
    browser: Browser, host: HostApp
) -> None:
    delays = iter(DELAYS_MS * (RUNS // len(DELAYS_MS) + 1))

    def one(page: Page) -> str | None:
        delay = next(delays)
        held = delay_session_answer(page, delay)
        problem = open_and_check(page, host)
        if problem is None and len(held) != 1:
            problem = f"the session answer was held {len(held)} times, not once"
        return None if problem is None else f"(answer {delay} ms late) {problem}"

    failures = open_many(browser, RUNS, one)
    assert failures == [], failure_report(failures, RUNS)
