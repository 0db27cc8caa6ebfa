"""A React 19 app on another origin than the server: widget/examples/react-host, built by Vite in
production mode, rendered under <StrictMode>, opening Connect with @gridlink/react's useConnect.
Every opening, in a fresh browser context, shows the first screen by the time onLoad fires.

The app is built afresh for this module (a few seconds), so it always bundles the loader and
hook that `make widget-build` just built. Its full connection and the count of onSuccess/onExit:
test_exit_counts.py.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.e2e.embedded import LOADED_OR_ENDED, Embedded, failure_report, open_many
from tests.e2e.harness import Server
from tests.e2e.host_apps import HostApp, build_react_host, host_app

RUNS = 20


@pytest.fixture(scope="module")
def host(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostApp]:
    dist = build_react_host(tmp_path_factory.mktemp("react-host"))
    with host_app(server, react_dist=dist) as app:
        yield app


def open_and_check(page: Page, host: HostApp) -> str | None:
    page.goto(f"{host.origin}/react/")
    connect = Embedded(page)
    connect.open()
    return connect.first_screen_problem(LOADED_OR_ENDED)


def test_every_opening_shows_the_first_screen(browser: Browser, host: HostApp) -> None:
    failures = open_many(browser, RUNS, lambda page: open_and_check(page, host))
    assert failures == [], failure_report(failures, RUNS)
