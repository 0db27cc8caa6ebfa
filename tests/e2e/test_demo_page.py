"""The demo page itself in a real browser: it loads under its strict CSP, is accessible, a bad
connect token ends the session with onExit("token_invalid"), and a connect token opens Connect
again until a connection succeeds with it."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

from tests.e2e.flows import Connect
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


# Opens Connect with the given token; resolves "loaded" at onLoad (the handle stays open in
# window.reopened) or with the exit status if it ended first.
OPEN_AND_WAIT_FOR_LOAD = """(token) => new Promise((resolve) => {
  const handle = window.Gridlink.create({connectToken: token, onSuccess() {},
    onLoad: () => resolve("loaded"), onExit: (status) => resolve(status)});
  window.reopened = handle;
  handle.open();
})"""


def test_a_connect_token_opens_connect_again_until_a_connection_succeeds(
    page: Page, server: Server
) -> None:
    """Issue 10 item 4: closing Connect and opening it again with the same token shows Connect
    again (a new session); once a connection succeeded with it, the token opens nothing."""
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
    assert page.evaluate(OPEN_AND_WAIT_FOR_LOAD, token) == "loaded"
    connect = Connect(page)
    connect.connect_user_good()  # from the consent screen: a full connection
    connect.button("Done").click()
    expect(page.get_by_role("dialog")).to_have_count(0)
    third = page.evaluate(OPEN_AND_WAIT_FOR_EXIT, token)
    assert third["status"] == "token_invalid"
