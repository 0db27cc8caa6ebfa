"""Create mode from the demo page, in Chromium: success, MFA, a refusal then a retry, the end
user leaving, and a run by keyboard only. Every screen is photographed and axe-checked."""

from __future__ import annotations

import re

from playwright.sync_api import Frame, Page, expect

from tests.e2e.flows import UTILITY, Connect, log_entries, open_demo
from tests.e2e.harness import Server
from tests.e2e.screens import Screens


def events(page: Page) -> list[str]:
    return [
        str(name)
        for name in log_entries(page, "event").evaluate_all(
            "items => items.map(i => i.dataset.name)"
        )
    ]


def test_user_good_links_an_account_and_the_app_exchanges_the_code(
    page: Page, server: Server, screens: Screens
) -> None:
    open_demo(page, server)
    connect = Connect(page, screens)
    connect.open()
    connect.connect_user_good()
    # onSuccess came before the end user closed the success screen; the page exchanged the code.
    expect(log_entries(page, "success")).to_have_count(1)
    expect(log_entries(page, "exchange")).to_have_attribute("data-name", "verified")
    connect.done()
    expect(page.get_by_role("dialog")).to_have_count(0)
    linked = page.locator("#credentials li")
    expect(linked).to_have_count(1)
    expect(linked).to_contain_text("Sandbox Power & Light")
    expect(linked).to_have_attribute("data-status", "verified")
    seen = events(page)
    for name in ("OPEN", "TRANSITION_VIEW", "SELECT_UTILITY", "SUBMIT_CREDENTIALS", "VERIFIED"):
        assert name in seen, seen
    assert seen.index("OPEN") < seen.index("SUBMIT_CREDENTIALS") < seen.index("VERIFIED")
    # The whole log never shows a password or the authorization code.
    log = page.locator("#log").inner_text()
    assert "pass_good" not in log
    assert "glac_" not in log
    screens.check(page, "demo-after-success")
    # Then the app shows the data its backend reads: progress while the first sync runs, then
    # the account, its bills and a usage chart.
    data = page.get_by_role("region", name="Your energy data")
    expect(page.locator("#data-body[data-state=ready]")).to_be_visible(timeout=60_000)
    expect(page.locator("#data-status")).to_have_text(re.compile(r"^Data up to date"))
    expect(page.locator("#accounts > li")).to_have_count(1)
    expect(page.locator("#accounts")).to_contain_text("Meter ")
    bills = page.locator("#bills tbody tr")
    expect(bills.first).to_be_visible()
    expect(bills.first.get_by_role("link", name=re.compile("^Bill PDF"))).to_be_visible()
    href = bills.first.get_by_role("link").get_attribute("href")
    pdf = page.request.get(f"{server.url}{href}")
    assert pdf.status == 200
    assert pdf.headers["content-type"] == "application/pdf"
    charts = data.get_by_role("img", name=re.compile(r"usage.*\(kWh\)"))
    expect(charts).to_have_count(2)
    expect(page.locator("figure.chart rect.bar").first).to_be_visible()
    data.scroll_into_view_if_needed()
    screens.check(page, "demo-data")
    page.set_viewport_size({"width": 360, "height": 800})
    data.scroll_into_view_if_needed()
    assert page.evaluate("() => document.documentElement.scrollWidth") <= 360
    screens.check(page, "demo-data-360px")


def test_mfa_by_sms_a_wrong_code_shows_attempts_left_then_the_right_one_links(
    page: Page, server: Server, screens: Screens
) -> None:
    open_demo(page, server)
    connect = Connect(page, screens)
    connect.open()
    connect.consent()
    connect.choose_utility()
    connect.sign_in("user_mfa_sms")
    connect.mfa_step()
    connect.enter_code("000000")
    alert = connect.ui.get_by_role("alert").filter(has_text="That code is not right")
    expect(alert).to_have_text("That code is not right. You have 4 attempts left.")
    expect(connect.ui.get_by_label("Verification code")).to_have_attribute("aria-invalid", "true")
    screens.check(page, "wrong-code", connect.frame())
    invalid = log_entries(page, "event").filter(has_text="MFA_CODE_INVALID")
    expect(invalid.last).to_have_text('event MFA_CODE_INVALID {"attempts_left":4}')
    connect.enter_code("123456")
    connect.success()
    connect.done()
    expect(page.locator("#credentials li")).to_have_attribute("data-status", "verified")
    assert "123456" not in page.locator("#log").inner_text()


def test_back_in_the_mfa_dialog_returns_to_the_method_then_the_sign_in_form(
    page: Page, server: Server, screens: Screens
) -> None:
    open_demo(page, server)
    connect = Connect(page, screens)
    connect.open()
    connect.consent()
    connect.choose_utility()
    connect.sign_in("user_mfa_choice")
    connect.choose_mfa(re.compile("^Email to"))
    connect.heading("Enter your verification code")
    connect.button("Back").click()  # several options: choose another, the attempt goes on
    connect.heading("Verify it's you")
    connect.button("Back").click()  # cancels the attempt on the server
    connect.heading(f"Sign in to {UTILITY}")
    expect(connect.button("Back")).to_be_visible()  # to the utility list, as before
    connect.sign_in("user_mfa_choice")  # a new sign-in is accepted (no 409)
    connect.choose_mfa()
    connect.enter_code("123456")
    connect.success()
    connect.done()
    expect(page.locator("#credentials li")).to_have_count(1)  # one credential, not two
    expect(page.locator("#credentials li")).to_have_attribute("data-status", "verified")


def test_mfa_events_follow_the_embed_protocol(page: Page, server: Server) -> None:
    open_demo(page, server)
    connect = Connect(page)
    connect.open()
    connect.consent()
    connect.choose_utility()
    connect.sign_in("user_mfa_sms")
    connect.mfa_step()
    connect.enter_code("000000")
    expect(connect.ui.get_by_role("alert").filter(has_text="4 attempts left")).to_be_visible()
    connect.enter_code("123456")
    connect.success()
    seen = events(page)
    assert seen.count("MFA_REQUIRED") == 1, seen
    assert seen.count("MFA_CODE_INVALID") == 1, seen
    assert seen.index("MFA_REQUIRED") < seen.index("SUBMIT_MFA") < seen.index("MFA_CODE_INVALID")


def test_a_refused_sign_in_can_be_retried(page: Page, server: Server, screens: Screens) -> None:
    open_demo(page, server)
    connect = Connect(page, screens)
    connect.open()
    connect.consent()
    connect.choose_utility()
    connect.sign_in("user_good", "not_the_password")
    connect.heading("We couldn't sign you in")
    expect(log_entries(page, "event").filter(has_text="ERROR")).to_have_count(1)
    connect.button("Try again").click()
    connect.sign_in("user_good")
    connect.success()
    connect.done()
    expect(page.locator("#credentials li")).to_have_count(1)
    expect(page.locator("#credentials li")).to_have_attribute("data-status", "verified")


def test_closing_with_the_close_button_exits_user_initiated(
    page: Page, server: Server, screens: Screens
) -> None:
    open_demo(page, server)
    connect = Connect(page, screens)
    connect.open()
    connect.heading(re.compile("uses Gridlink"))
    connect.button("Close").click()
    expect(log_entries(page, "exit")).to_have_attribute("data-name", "user_initiated_exit")
    expect(page.get_by_role("dialog")).to_have_count(0)
    # Focus came back to the button that opened Connect.
    expect(page.get_by_role("button", name="Connect a utility account")).to_be_focused()
    expect(page.locator("#credentials li")).to_have_count(0)


def test_escape_exits_user_initiated_even_mid_flow(page: Page, server: Server) -> None:
    open_demo(page, server)
    connect = Connect(page)
    connect.open()
    connect.consent()
    connect.heading("Find your utility")
    page.keyboard.press("Escape")
    expect(log_entries(page, "exit")).to_have_attribute("data-name", "user_initiated_exit")
    expect(page.get_by_role("dialog")).to_have_count(0)


FOCUSED_NAME = """() => {
  const e = document.activeElement;
  if (!e) return "";
  const label = e.getAttribute("aria-label") || (e.labels && e.labels[0]?.textContent);
  return (label || e.textContent || "").trim();
}"""


def tab_to(page: Page, target: Page | Frame, name: str | re.Pattern[str]) -> None:
    """Press Tab until the focused element's name matches (at most 30 times)."""
    for _ in range(30):
        focused = str(target.evaluate(FOCUSED_NAME))
        if name.search(focused) if isinstance(name, re.Pattern) else focused == name:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"Tab never reached {name!r}")


def test_a_keyboard_only_run_links_an_account(page: Page, server: Server, screens: Screens) -> None:
    open_demo(page, server)
    tab_to(page, page, "Connect a utility account")
    page.keyboard.press("Enter")
    expect(log_entries(page, "load")).to_have_count(1)
    connect = Connect(page, screens)
    frame = connect.frame()
    connect.heading(re.compile("uses Gridlink"))
    tab_to(page, frame, "Agree and continue")
    page.keyboard.press("Enter")
    connect.heading("Find your utility")
    # The utility list is a radio group: Tab into it, arrows to the utility, Enter submits.
    tab_to(page, frame, re.compile("^Sandbox "))
    for _ in range(6):
        if re.search("Power & Light", str(frame.evaluate(FOCUSED_NAME))):
            break
        page.keyboard.press("ArrowDown")
    expect(connect.ui.get_by_role("radio", name=re.compile("Power & Light"))).to_be_checked()
    page.keyboard.press("Enter")
    connect.heading("Sign in to Sandbox Power & Light")
    # The username field has focus when the screen opens.
    expect(connect.ui.get_by_label("Username")).to_be_focused()
    page.keyboard.type("user_good")
    tab_to(page, frame, "Password")
    page.keyboard.type("pass_good")
    page.keyboard.press("Enter")
    connect.success()
    tab_to(page, frame, "Done")
    page.keyboard.press("Enter")
    expect(log_entries(page, "exit")).to_have_attribute("data-name", "verified")
    expect(page.locator("#credentials li")).to_have_attribute("data-status", "verified")
