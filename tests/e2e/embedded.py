"""Driving Connect embedded in a host app on another origin (tests/e2e/host_apps.py), by roles
and accessible names only (the driving table in widget/packages/ui/README.md), so a new look
does not break these tests.

Shared by the cross-origin tests, the exit-count test and bench/widget.py.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from playwright.sync_api import Browser, BrowserContext, Error, FrameLocator, Locator, Page, expect

from tests.e2e.host_apps import FRAME_TITLE, OPEN_BUTTON

UTILITY = "Sandbox Power & Light"
# The first real screen of a new connection (create mode): consent.
CONSENT = re.compile("uses Gridlink to connect your utility account")
CONNECTED = "Your account is connected"
# How long a run that is not on its first screen when onLoad fired gets to show it anyway, only
# to tell "late" from "stuck" in the failure message (the run has failed either way).
STUCK_AFTER_MS = 3000

# A condition on the host page: Connect said something final about the opening.
LOADED_OR_ENDED = "() => window.hostLog.some((e) => e.kind === 'load' || e.kind === 'exit')"
BARE_READY_OR_ENDED = """() => window.hostLog.some((e) => e.kind === 'message' && e.data
  && e.data.type === 'gridlink:status' && ['READY', 'EXIT'].includes(e.data.event))"""


def new_context(browser: Browser) -> BrowserContext:
    """A fresh browser context: no cache, no storage, as a new visitor."""
    context = browser.new_context(viewport={"width": 1000, "height": 800})
    context.set_default_timeout(20_000)
    return context


def host_log(page: Page) -> list[dict[str, Any]]:
    return list(page.evaluate("() => window.hostLog"))


def entries(page: Page, kind: str) -> list[dict[str, Any]]:
    return [e for e in host_log(page) if e["kind"] == kind]


def wait_for_entries(page: Page, kind: str, count: int = 1) -> None:
    page.wait_for_function(
        "([kind, count]) => window.hostLog.filter((e) => e.kind === kind).length >= count",
        arg=[kind, count],
    )


def frame_messages(page: Page, message_type: str) -> list[dict[str, Any]]:
    """Raw messages of one type that Connect's origin posted to the host page."""
    return [
        e["data"]
        for e in entries(page, "message")
        if isinstance(e["data"], dict) and e["data"].get("type") == message_type
    ]


def statuses(page: Page, event: str) -> list[dict[str, Any]]:
    """Bare-iframe `gridlink:status` messages whose event is ``event``."""
    return [m for m in frame_messages(page, "gridlink:status") if m.get("event") == event]


class Embedded:
    """Connect inside a host page: in the loader's overlay or in the page's own iframe."""

    def __init__(self, page: Page) -> None:
        self.page = page

    @property
    def iframe(self) -> Locator:
        return self.page.locator(f'iframe[title="{FRAME_TITLE}"]')

    @property
    def ui(self) -> FrameLocator:
        return self.page.frame_locator(f'iframe[title="{FRAME_TITLE}"]')

    def heading(self, name: str | re.Pattern[str]) -> Locator:
        return self.ui.get_by_role("heading", level=1, name=name)

    def button(self, name: str) -> Locator:
        return self.ui.get_by_role("button", name=name, exact=True)

    def open(self) -> None:
        """Click the host's own button (enabled once its backend made the connect token)."""
        self.page.get_by_role("button", name=OPEN_BUTTON, exact=True).click()

    def first_screen_problem(
        self, ready: str, heading: str | re.Pattern[str] = CONSENT
    ) -> str | None:
        """Wait until the host heard that Connect is ready (``ready``: a condition on
        window.hostLog); then the first screen must already be visible to the end user: the
        frame shown on the host page and the screen's heading in it. Returns what went wrong,
        or None."""
        self.page.wait_for_function(ready)
        ended = [e["status"] for e in entries(self.page, "exit")]
        ended += [m["metadata"].get("status") for m in statuses(self.page, "EXIT")]
        if ended:
            return f"Connect ended ({ended[0]!r}) before any screen"
        screen = self.heading(heading)
        if self.iframe.is_visible() and screen.is_visible():
            return None
        try:
            expect(screen).to_be_visible(timeout=STUCK_AFTER_MS)
            expect(self.iframe).to_be_visible(timeout=STUCK_AFTER_MS)
        except AssertionError:
            shown = self.ui.locator("body").inner_text(timeout=STUCK_AFTER_MS).strip()
            return f"stuck after the host heard ready: the frame shows {shown[:80]!r}"
        return "the host heard ready before the first screen was visible"


class Person:
    """Goes through Connect's screens as a person does: real mouse input on buttons named as
    the driving table says. ``dom_clicks`` is for the webview style only: there Chromium stands
    in for a native webview and hands every gridlinkconnect:// navigation to the operating
    system, after which it drops real input events (a native webview cancels those navigations
    first, in shouldOverrideUrlLoading or decidePolicyFor), so buttons get DOM click events,
    which run the same handlers."""

    def __init__(self, ui: Page | FrameLocator, *, dom_clicks: bool = False) -> None:
        self.ui = ui
        self.dom_clicks = dom_clicks

    def press(self, target: Locator) -> None:
        if self.dom_clicks:
            target.dispatch_event("click")
        else:
            target.click()

    def button(self, name: str) -> None:
        self.press(self.ui.get_by_role("button", name=name, exact=True))

    def heading(self, name: str | re.Pattern[str]) -> None:
        expect(self.ui.get_by_role("heading", level=1, name=name)).to_be_visible()

    def sign_in(self, heading: str) -> None:
        self.heading(heading)
        self.ui.get_by_label("Username").fill("user_good")
        self.ui.get_by_label("Password", exact=True).fill("pass_good")
        self.button("Connect")

    def connect_user_good(self) -> None:
        """From consent to the success screen: Sandbox Power & Light, user_good / pass_good."""
        self.heading(CONSENT)
        self.button("Agree and continue")
        self.heading("Find your utility")
        utility = self.ui.get_by_role("radio", name=re.compile(re.escape(UTILITY)))
        self.press(utility)
        expect(utility).to_be_checked()
        self.button("Continue")
        self.sign_in(f"Sign in to {UTILITY}")
        self.heading(CONNECTED)


def open_many(browser: Browser, runs: int, one: Callable[[Page], str | None]) -> list[str]:
    """``runs`` openings, each in a fresh browser context; returns what went wrong, per run.
    Every run is done even after a failure, so a failure message says how often it happens."""
    failures = []
    for run in range(1, runs + 1):
        context = new_context(browser)
        try:
            problem = one(context.new_page())
        except Error as failed:  # a timeout or a browser error: this run failed, go on
            problem = str(failed).splitlines()[0]
        finally:
            context.close()
        if problem is not None:
            failures.append(f"run {run}: {problem}")
    return failures


def failure_report(failures: list[str], runs: int) -> str:
    return f"{len(failures)} of {runs} openings did not show the first screen:\n" + "\n".join(
        failures
    )
