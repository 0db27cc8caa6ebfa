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
from playwright.sync_api import Browser, Page, expect

from tests.e2e.embedded import (
    CONSENT,
    LOADED_OR_ENDED,
    Embedded,
    Person,
    entries,
    failure_report,
    new_context,
    open_many,
    wait_for_entries,
)
from tests.e2e.harness import Server
from tests.e2e.host_apps import OPEN_BUTTON, HostApp, build_react_host, host_app

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


def test_one_token_opens_again_until_a_connection_succeeds(browser: Browser, host: HostApp) -> None:
    """Issue 10 item 4, as a React app meets it: under StrictMode (the hook's handle made,
    destroyed and made again), closing Connect and opening it again with the same token shows
    the first screen again; a double click opens one Connect, not two; after a connection
    succeeded the token is spent, and opening again ends at once in token_invalid."""
    context = new_context(browser)
    try:
        page = context.new_page()
        page.goto(f"{host.origin}/react/")
        connect = Embedded(page)
        person = Person(connect.ui)

        connect.open()
        wait_for_entries(page, "load", 1)
        expect(connect.heading(CONSENT)).to_be_visible()
        person.button("Close")
        wait_for_entries(page, "exit", 1)
        assert entries(page, "exit")[0]["status"] == "user_initiated_exit"

        page.get_by_role("button", name=OPEN_BUTTON, exact=True).dblclick()
        wait_for_entries(page, "load", 2)
        expect(connect.heading(CONSENT)).to_be_visible()
        assert page.locator("iframe").count() == 1, "a double click opened Connect twice"
        person.connect_user_good()
        wait_for_entries(page, "exchange", 1)
        [exchanged] = entries(page, "exchange")
        assert exchanged["status"] == 200, exchanged
        person.button("Done")
        wait_for_entries(page, "exit", 2)
        assert entries(page, "exit")[1]["status"] == "verified"

        connect.open()
        wait_for_entries(page, "exit", 3)
        assert entries(page, "exit")[2]["status"] == "token_invalid"
        assert len(entries(page, "load")) == 2  # nothing was shown for the spent token
        assert len(entries(page, "success")) == 1
    finally:
        context.close()
