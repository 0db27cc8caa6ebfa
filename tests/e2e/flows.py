"""Driving Connect as a person does, by roles and names (widget/packages/ui/README.md lists the
headings and buttons of each screen). Shared by the tests and bench/widget.py."""

from __future__ import annotations

from playwright.sync_api import FrameLocator, Page, expect

from tests.e2e.harness import Server

FRAME_TITLE = "Connect your utility account"


def open_demo(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/demo")
    expect(page.locator("body[data-ready=true]")).to_be_attached()


def connect_frame(page: Page) -> FrameLocator:
    return page.frame_locator(f'iframe[title="{FRAME_TITLE}"]')


def connect_user_good(page: Page) -> None:
    """From the demo page: open Connect and link user_good at Sandbox Power & Light."""
    raise NotImplementedError("waiting for the Connect UI's screens")
