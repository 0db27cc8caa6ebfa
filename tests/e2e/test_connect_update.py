"""Repairing a linked account from the demo page, in Chromium: update mode, an MFA refresh after
moving the sandbox clock, and the full-page connect link."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.flows import UTILITY, Connect, log_entries, open_demo
from tests.e2e.harness import Server
from tests.e2e.screens import Screens


def link_account(page: Page, username: str, screens: Screens | None = None) -> Connect:
    """Link ``username`` from the demo page (MFA code 123456 if asked) and close Connect."""
    connect = Connect(page, screens)
    connect.open()
    connect.consent()
    connect.choose_utility()
    connect.sign_in(username)
    if username.startswith("user_mfa"):
        connect.mfa_step()
        connect.enter_code("123456")
    connect.success()
    connect.done()
    expect(page.locator("#credentials li")).to_have_attribute("data-status", "verified")
    return connect


def test_update_mode_repairs_the_same_credential(
    page: Page, server: Server, screens: Screens
) -> None:
    open_demo(page, server)
    connect = link_account(page, "user_good")
    credential_id = page.locator("#credentials li").get_attribute("data-credential-id")
    connect.screens = screens
    connect.open(f"Update ({UTILITY})")
    expect(log_entries(page, "event").filter(has_text='"mode":"update"')).to_have_count(1)
    connect.sign_in("user_good", update=True)
    connect.success()
    connect.done()
    linked = page.locator("#credentials li")
    expect(linked).to_have_count(1)
    expect(linked).to_have_attribute("data-credential-id", str(credential_id))
    expect(log_entries(page, "success").last).to_contain_text(str(credential_id))


def test_an_expired_mfa_session_is_refreshed_after_moving_the_sandbox_clock(
    page: Page, server: Server, screens: Screens
) -> None:
    open_demo(page, server)
    connect = link_account(page, "user_mfa_expiring")
    page.get_by_label("Move the sandbox clock forward by").select_option(label="1 hour")
    page.get_by_role("button", name="Move clock").click()
    linked = page.locator("#credentials li")
    expect(linked).to_have_attribute("data-status", "rejected")
    expect(linked).to_contain_text("MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED")
    expect(linked).to_contain_text("Action required")
    screens.check(page, "demo-refresh-required")
    # Update mode opens at the MFA step: the stored login is reused, no password asked.
    connect.screens = screens
    connect.open(f"Update ({UTILITY})")
    connect.mfa_step()
    connect.enter_code("123456")
    connect.success()
    connect.done()
    expect(linked).to_have_attribute("data-status", "verified")
    expect(linked).not_to_contain_text("Action required")


def test_a_connect_link_opens_connect_full_page_for_that_account(
    page: Page, server: Server, screens: Screens
) -> None:
    open_demo(page, server)
    link_account(page, "user_good")
    page.get_by_role("button", name=f"Create connect link ({UTILITY})").click()
    link = page.locator("#link-url")
    expect(link).to_have_text(re.compile(r"/connect/link\?client=cli_\w+#token=glcl_sandbox_"))
    url = str(link.get_attribute("href"))
    # The end user opens the link on its own (say from an email): a full page, no host app.
    person = page.context.new_page()
    person.goto(url)
    frame = person.main_frame
    expect(person).to_have_url(re.compile(r"/connect/link\?client=cli_\w+$"))  # token removed
    heading = person.get_by_role("heading", level=1, name=f"Update your sign-in for {UTILITY}")
    expect(heading).to_be_visible()
    screens.check(person, "connect-link-credentials", frame)
    person.get_by_label("Username").fill("user_good")
    person.get_by_label("Password", exact=True).fill("pass_good")
    person.get_by_role("button", name="Connect", exact=True).click()
    expect(person.get_by_role("heading", level=1, name="Your account is connected")).to_be_visible()
    screens.check(person, "connect-link-success", frame)
    # A used link is dead: opening it again does not start another session.
    again = page.context.new_page()
    again.goto(url)
    expect(again.get_by_role("heading", level=1)).to_have_text("This session has ended")
    screens.check(again, "connect-link-used", again.main_frame)
