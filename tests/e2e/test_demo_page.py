"""The demo page itself in a real browser: it loads under its strict CSP, is accessible, and a
bad connect token ends the session with onExit("token_invalid")."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.harness import Server
from tests.e2e.screens import Screens

# Opens Connect with the given token through the loader and resolves with what onExit got.
OPEN_AND_WAIT_FOR_EXIT = """(token) => new Promise((resolve) => {
  const handle = window.Gridlink.create({
    connectToken: token,
    onSuccess: () => resolve({status: "unexpected success"}),
    onExit: (status, metadata) => resolve({status, metadata}),
  });
  handle.open();
})"""


def open_demo(page: Page, server: Server) -> None:
    page.goto(f"{server.url}/demo")
    expect(page.locator("body[data-ready=true]")).to_be_attached()


def test_the_demo_page_loads_under_its_csp_with_no_console_errors(
    page: Page, server: Server, screens: Screens
) -> None:
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    response = page.goto(f"{server.url}/demo")
    assert response is not None
    assert "script-src 'self'" in response.headers["content-security-policy"]
    expect(page.locator("body[data-ready=true]")).to_be_attached()
    expect(page.get_by_role("heading", name="Gridlink demo")).to_be_visible()
    expect(page.get_by_role("button", name="Connect a utility account")).to_be_enabled()
    expect(page.locator("#user-id")).to_have_text(re.compile(r"^demo-[0-9a-f-]{36}$"))
    expect(page.locator("#clock-now")).not_to_have_text("…")
    assert page.locator("#problem").is_hidden()
    assert page.evaluate("() => typeof window.Gridlink.create") == "function"
    screens.check(page, "demo-page")
    assert errors == []


def test_an_unknown_connect_token_ends_with_token_invalid(page: Page, server: Server) -> None:
    open_demo(page, server)
    result = page.evaluate(OPEN_AND_WAIT_FOR_EXIT, "glct_sandbox_" + "x" * 40)
    assert result["status"] == "token_invalid"
    # The overlay is gone and the page scrolls again.
    expect(page.get_by_role("dialog")).to_have_count(0)


def test_a_connect_token_used_once_is_refused_the_second_time(page: Page, server: Server) -> None:
    open_demo(page, server)
    token = page.evaluate(
        """async () => {
          const r = await fetch("/demo/api/connect_token", {method: "POST",
            headers: {"Content-Type": "application/json"},
            body: JSON.stringify({client_user_id: "demo-e2e-reuse"})});
          return (await r.json()).connect_token;
        }"""
    )
    first = page.evaluate(
        """(token) => new Promise((resolve) => {
          const handle = window.Gridlink.create({connectToken: token, onSuccess() {},
            onExit: (status) => resolve(status)});
          handle.open();
          // The frame URL arrived once the iframe exists; then close from the host side.
          const wait = setInterval(() => {
            if (document.querySelector("iframe")) { clearInterval(wait); handle.destroy(); }
          }, 20);
        })""",
        token,
    )
    assert first == "user_initiated_exit"
    second = page.evaluate(OPEN_AND_WAIT_FOR_EXIT, token)
    assert second["status"] == "token_invalid"
