"""Driving Connect as a person does, by roles and accessible names (the Connect UI's English
texts: widget/packages/ui/src/messages/en.json). Shared by the tests and bench/widget.py."""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Frame, FrameLocator, Locator, Page, expect

from tests.e2e.harness import Server
from tests.e2e.screens import Screens

FRAME_TITLE = "Connect your utility account"
UTILITY = "Sandbox Power & Light"


def open_demo(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/demo")
    expect(page.locator("body[data-ready=true]")).to_be_attached()


def log_entries(page: Page, kind: str) -> Locator:
    """The demo page's log lines of one kind: load, event, success, exchange, exit, clock."""
    return page.locator(f"#log li[data-kind={kind}]")


@dataclass
class Connect:
    """The Connect overlay opened from the demo page; ``screens`` checks each screen reached."""

    page: Page
    screens: Screens | None = None

    @property
    def ui(self) -> FrameLocator:
        return self.page.frame_locator(f'iframe[title="{FRAME_TITLE}"]')

    def frame(self) -> Frame:
        handle = self.page.locator(f'iframe[title="{FRAME_TITLE}"]').element_handle()
        frame = handle.content_frame() if handle else None
        assert frame is not None, "no Connect frame on the page"
        return frame

    def heading(self, name: str | re.Pattern[str]) -> None:
        """Wait for the screen whose heading is ``name``, then photograph and axe-check it."""
        expect(self.ui.get_by_role("heading", level=1, name=name)).to_be_visible()
        if self.screens is not None:
            label = name if isinstance(name, str) else name.pattern
            self.screens.check(
                self.page, re.sub(r"\W+", "-", label).strip("-").lower(), self.frame()
            )

    def button(self, name: str) -> Locator:
        return self.ui.get_by_role("button", name=name, exact=True)

    # Opening -----------------------------------------------------------------------------

    def open(self, button: str = "Connect a utility account") -> None:
        """Click the demo page's button and wait until Connect said it is ready (onLoad)."""
        loaded = log_entries(self.page, "load").count()
        self.page.get_by_role("button", name=button, exact=True).click()
        expect(log_entries(self.page, "load")).to_have_count(loaded + 1)

    # Screens -----------------------------------------------------------------------------

    def consent(self) -> None:
        self.heading(re.compile("uses Gridlink to connect your utility account"))
        self.button("Agree and continue").click()

    def choose_utility(self, name: str = UTILITY) -> None:
        self.heading("Find your utility")
        self.ui.get_by_role("radio", name=re.compile(re.escape(name))).check()
        self.button("Continue").click()

    def sign_in(self, username: str, password: str = "pass_good", *, update: bool = False) -> None:
        verb = "Update your sign-in for" if update else "Sign in to"
        self.heading(f"{verb} {UTILITY}")
        self.ui.get_by_label("Username").fill(username)
        self.ui.get_by_label("Password", exact=True).fill(password)
        self.button("Connect").click()

    def choose_mfa(self, option: str | re.Pattern[str] | None = None) -> None:
        self.heading("Verify it's you")
        if option is not None:
            self.ui.get_by_role("radio", name=option).check()
        self.button("Send code").click()

    def mfa_step(self, option: str | re.Pattern[str] | None = None) -> None:
        """Pass the method screen if the utility offers a choice (one option may skip it)."""
        method = self.ui.get_by_role("heading", level=1, name="Verify it's you")
        code = self.ui.get_by_role("heading", level=1, name="Enter your verification code")
        expect(method.or_(code)).to_be_visible()
        if method.is_visible():
            self.choose_mfa(option)

    def enter_code(self, code: str) -> None:
        self.heading("Enter your verification code")
        self.ui.get_by_label("Verification code").fill(code)
        self.button("Verify").click()

    def success(self) -> None:
        self.heading("Your account is connected")

    def done(self) -> None:
        """Close the success screen; the demo page then logs exit verified."""
        exits = log_entries(self.page, "exit").count()
        self.button("Done").click()
        expect(log_entries(self.page, "exit")).to_have_count(exits + 1)
        expect(log_entries(self.page, "exit").last).to_have_attribute("data-name", "verified")

    def connect_user_good(self) -> None:
        self.consent()
        self.choose_utility()
        self.sign_in("user_good")
        self.success()


def connect_user_good(page: Page) -> None:
    """From the demo page: open Connect and link user_good at Sandbox Power & Light, up to the
    success screen (what bench/widget.py times)."""
    connect = Connect(page)
    connect.open()
    connect.connect_user_good()
