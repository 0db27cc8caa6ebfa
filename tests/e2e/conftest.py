"""Fixtures for the browser tests: one `gridlink serve` and one Chromium per test module, a
fresh browser context (so a fresh demo end user) per test.

Module scope, not session: Playwright's sync API keeps an event loop marked running while it is
open, which would break the asyncio tests a worker runs next. `make test` runs this folder with
`--dist loadfile`, so each module runs whole on one worker and starts one server.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    Page,
    Playwright,
    expect,
    sync_playwright,
)

from tests.e2e.harness import CHROMIUM, LAUNCH_ARGS, Server, gridlink_server, missing_prerequisites
from tests.e2e.screens import Screens

# An assertion waits as long as an action does (the contexts' default below). Playwright's own
# 5 s let a sign-in that took longer while both workers ran browsers fail a test (seen once, in
# test_connect_totp, with a refused key's answer still on its way).
expect.set_options(timeout=15_000)

# Every verification starts a backfill; two months of bills and readings keep it to seconds.
SHORT_SYNC = {"GRIDLINK_SYNC_HISTORY_MONTHS": "2"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in item.nodeid:
            item.add_marker(pytest.mark.slow)


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    problems = missing_prerequisites()
    if problems:
        pytest.fail("; ".join(problems))
    with gridlink_server(tmp_path_factory.mktemp("serve") / "data", settings=SHORT_SYNC) as running:
        yield running


@pytest.fixture(scope="module")
def playwright() -> Iterator[Playwright]:
    with sync_playwright() as driver:
        yield driver


@pytest.fixture(scope="module")
def browser(playwright: Playwright) -> Iterator[Browser]:
    browser = playwright.chromium.launch(executable_path=str(CHROMIUM), args=LAUNCH_ARGS)
    yield browser
    browser.close()


@pytest.fixture
def context(browser: Browser) -> Iterator[BrowserContext]:
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    context.set_default_timeout(15_000)
    yield context
    context.close()


@pytest.fixture
def page(context: BrowserContext) -> Page:
    return context.new_page()


@pytest.fixture
def screens(request: pytest.FixtureRequest) -> Screens:
    """Screenshots (build/e2e-screenshots/) and an axe-core check of every screen visited."""
    return Screens(Path(request.node.name))
