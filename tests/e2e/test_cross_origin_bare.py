"""A bare iframe on a host page of another origin: the host's backend gets the URL from
POST /v1/widget_url (target_origin: the host's origin), the page frames it and listens for
`gridlink:status` messages. The frame is visible from the start, or (as the loader does) hidden
until READY. Every opening, in a fresh browser context, shows the first screen by
the time the host gets READY.

The full connection and the count of gridlink:connected / EXIT: test_exit_counts.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.embedded import BARE_READY_OR_ENDED, Embedded, failure_report, open_many
from tests.e2e.harness import Server
from tests.e2e.host_apps import HostApp, host_app

RUNS = 20


@pytest.fixture(scope="module")
def host(server: Server) -> Iterator[HostApp]:
    with host_app(server) as app:
        yield app


def open_and_check(page: Page, url: str) -> str | None:
    page.goto(url)
    return Embedded(page).first_screen_problem(BARE_READY_OR_ENDED)


def test_every_opening_shows_the_first_screen(browser: Browser, host: HostApp) -> None:
    failures = open_many(
        browser, RUNS, lambda page: open_and_check(page, f"{host.origin}/bare.html")
    )
    assert failures == [], failure_report(failures, RUNS)


def test_every_opening_shows_the_first_screen_in_a_frame_hidden_until_ready(
    browser: Browser, host: HostApp
) -> None:
    # A host that reveals the frame on READY, as the loader's overlay does. A hidden frame
    # paints nothing, so what the page does after its first paint comes late there.
    url = f"{host.origin}/bare.html?reveal=ready"
    failures = open_many(browser, RUNS, lambda page: open_and_check(page, url))
    assert failures == [], failure_report(failures, RUNS)
