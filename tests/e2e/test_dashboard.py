"""The operator dashboard in Chromium, as seed 003 (Arcadia's Token Storage guide) describes it:
find the credentials whose MFA session expired, Retry MFA verification inside the dashboard
(method, then code), or send the end user an update link they open in their own browser; submit
credentials from the dashboard. A viewer gets no action; every page is axe-clean at 1280 and
768 px. Each test signs in from a fresh browser context against one `gridlink serve`."""

from __future__ import annotations

import json
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect
from standardwebhooks import Webhook

from tests.e2e.flows import Connect
from tests.e2e.harness import GRIDLINK, Server
from tests.e2e.screens import Screens

PASSWORD = "dashboard operator password"
REFRESH = "MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED"
# (width, browser language): the 1280 and 768 px, and a phone in Spanish.
VIEWS = ((1280, "en-US"), (768, "en-US"), (1280, "es-ES"), (360, "es-ES"))
SIGN_IN = {
    "en-US": ("Sign in to the dashboard", "Email", "Password", "Sign in"),
    "es-ES": ("Inicie sesión en el panel", "Correo electrónico", "Contraseña", "Iniciar sesión"),
}


class Hooks:
    """A webhook receiver on loopback recording every request (body and headers)."""

    def __init__(self) -> None:
        received: list[tuple[bytes, dict[str, str]]] = []
        self.received = received

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", "0")))
                received.append((body, {k.lower(): v for k, v in self.headers.items()}))
                self.send_response(204)
                self.end_headers()

            def log_message(self, *_args: Any) -> None:
                return

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hooks"

    def events(self, secret: str, event_type: str, credential_id: str) -> list[dict[str, Any]]:
        """Verified with the standardwebhooks library: a forged body would raise."""
        found = []
        for body, headers in list(self.received):
            payload = Webhook(secret).verify(body, headers)
            if payload["type"] == event_type and payload["data"].get("utility_credential_id") == (
                credential_id
            ):
                found.append(payload)
        return found


@pytest.fixture(scope="module")
def operators(server: Server) -> dict[str, str]:
    """One operator per role, made with the CLI an operator of Gridlink would use."""
    emails = {}
    for role in ("admin", "support", "viewer"):
        email = f"{role}@example.com"
        subprocess.run(
            [str(GRIDLINK), "operators", "create", email, "--role", role, "--password-stdin"],
            input=PASSWORD,
            env=server.env,
            check=True,
            capture_output=True,
            text=True,
        )
        emails[role] = email
    return emails


@pytest.fixture(scope="module")
def hooks(server: Server) -> Iterator[tuple[Hooks, str]]:
    receiver = Hooks()
    made = httpx.post(
        f"{server.url}/v1/webhook_endpoints", json={"url": receiver.url}, auth=server.auth
    )
    assert made.status_code == 201, made.text
    yield receiver, made.json()["secret"]
    receiver.server.shutdown()


def new_context(browser: Browser, width: int = 1280, locale: str = "en-US") -> BrowserContext:
    context = browser.new_context(viewport={"width": width, "height": 900}, locale=locale)
    context.set_default_timeout(15_000)
    return context


def sign_in(
    page: Page, server: Server, email: str, screens: Screens | None = None, locale: str = "en-US"
) -> None:
    title, email_label, password_label, submit = SIGN_IN[locale]
    page.goto(f"{server.url}/dashboard")
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    if screens is not None:
        screens.check(page, "sign-in")
    page.get_by_label(email_label).fill(email)
    page.get_by_label(password_label).fill(PASSWORD)
    page.get_by_role("button", name=submit).click()
    expect(page.get_by_test_id("operator-email")).to_have_text(email)


def refresh_required_credential(server: Server, user: str) -> str:
    """user_mfa_expiring, verified with its code, then the sandbox clock moved past its MFA
    session: the expiry check marks it MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED."""
    made = httpx.post(
        f"{server.url}/v1/sandbox/utility_credentials",
        json={
            "client_user_id": user,
            "utility_id": "sandbox_electric",
            "username": "user_mfa_expiring",
            "password": "pass_good",
            "mfa_code": "123456",
        },
        auth=server.auth,
        timeout=30,
    )
    assert made.status_code in (200, 201), made.text
    credential_id = str(made.json()["utility_credential_id"])
    moved = httpx.post(
        f"{server.url}/v1/sandbox/clock", json={"advance_seconds": 3600}, auth=server.auth
    )
    assert moved.status_code == 200, moved.text
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        body = httpx.get(
            f"{server.url}/v1/utility_credentials/{credential_id}", auth=server.auth
        ).json()
        if body["status_detail"] == REFRESH:
            return credential_id
        time.sleep(0.1)
    raise AssertionError(f"{credential_id} never needed an MFA refresh: {body}")


def wait_verified(server: Server, credential_id: str) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        body = httpx.get(
            f"{server.url}/v1/utility_credentials/{credential_id}", auth=server.auth
        ).json()
        if body["status"] == "verified" and body["status_detail"] is None:
            return
        time.sleep(0.1)
    raise AssertionError(f"{credential_id} is not verified again: {body}")


def open_credential_from_filter(page: Page, credential_id: str, screens: Screens) -> None:
    """Credentials → filter by status detail → the row → its page."""
    page.get_by_role("link", name="Credentials", exact=True).first.click()
    page.get_by_label("Status detail").select_option(REFRESH)
    expect(page).to_have_url(re.compile(f"status_detail={REFRESH}"))
    row_link = page.get_by_role("link", name=re.compile(credential_id))
    expect(row_link).to_be_visible()
    screens.check(page, "credentials-mfa-refresh")
    row_link.click()
    expect(page).to_have_url(re.compile(f"/dashboard/credentials/{credential_id}"))
    expect(page.get_by_role("button", name="Retry MFA verification")).to_be_visible()
    screens.check(page, "credential-refresh-required")


def test_retry_mfa_verification_inside_the_dashboard(
    browser: Browser,
    server: Server,
    operators: dict[str, str],
    hooks: tuple[Hooks, str],
    screens: Screens,
) -> None:
    credential_id = refresh_required_credential(server, "seed-003-retry")
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, server, operators["support"], screens)
    open_credential_from_filter(page, credential_id, screens)
    page.get_by_role("button", name="Retry MFA verification").click()
    connect = Connect(page, screens)
    # "Connecting with your utility", then the choice of method, then the code.
    connect.choose_mfa(re.compile("Text message|SMS", re.IGNORECASE))
    connect.enter_code("123456")
    connect.success()
    connect.button("Done").click()
    expect(page.get_by_text("MFA verification succeeded.")).to_be_visible()
    wait_verified(server, credential_id)
    receiver, secret = hooks
    deadline = time.monotonic() + 30
    while not receiver.events(secret, "utility_credential_verified", credential_id)[1:]:
        assert time.monotonic() < deadline, "no second utility_credential_verified webhook"
        time.sleep(0.1)
    context.close()


def test_an_update_link_is_opened_by_the_end_user_in_their_own_browser(
    browser: Browser, server: Server, operators: dict[str, str], screens: Screens
) -> None:
    credential_id = refresh_required_credential(server, "seed-003-link")
    operator = new_context(browser)
    page = operator.new_page()
    sign_in(page, server, operators["support"])
    open_credential_from_filter(page, credential_id, screens)
    page.get_by_role("button", name="Generate update link").click()
    dialog = page.get_by_role("dialog", name="Update link")
    expect(dialog).to_contain_text("72 hours")
    url_box = dialog.get_by_role("textbox")
    expect(url_box).to_have_value(re.compile(r"/connect/link\?client=cli_\w+#token=glcl_sandbox_"))
    link = url_box.input_value()
    screens.check(page, "update-link")
    operator.grant_permissions(["clipboard-read", "clipboard-write"], origin=server.url)
    dialog.get_by_role("button", name="Copy link").click()
    assert page.evaluate("() => navigator.clipboard.readText()") == link
    operator.close()

    end_user = new_context(browser)
    user_page = end_user.new_page()
    user_page.goto(link)
    # The link opens Connect full-page (not framed), at the method step: no password asked.
    expect(user_page.get_by_role("heading", level=1, name="Verify it's you")).to_be_visible()
    user_page.get_by_role("radio", name=re.compile("Text message|SMS", re.IGNORECASE)).check()
    user_page.get_by_role("button", name="Send code", exact=True).click()
    user_page.get_by_label("Verification code").fill("123456")
    user_page.get_by_role("button", name="Verify", exact=True).click()
    expect(
        user_page.get_by_role("heading", level=1, name="Your account is connected")
    ).to_be_visible()
    end_user.close()
    wait_verified(server, credential_id)

    again = new_context(browser)
    page = again.new_page()
    sign_in(page, server, operators["support"])
    page.goto(f"{server.url}/dashboard/credentials/{credential_id}")
    expect(page.get_by_test_id(re.compile("^link-"))).to_contain_text(re.compile("Used", re.I))
    again.close()


def test_an_operator_submits_credentials_from_the_dashboard(
    browser: Browser, server: Server, operators: dict[str, str], screens: Screens
) -> None:
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, server, operators["support"])
    page.get_by_role("link", name="Credentials", exact=True).first.click()
    page.get_by_role("button", name="Submit credentials").click()
    dialog = page.get_by_role("dialog", name="Submit credentials")
    dialog.get_by_label("End user (client_user_id)").fill("submitted-by-operator")
    screens.check(page, "submit-credentials")
    dialog.get_by_role("button", name="Open Connect").click()
    connect = Connect(page, screens)
    connect.connect_user_good()
    connect.button("Done").click()
    expect(page).to_have_url(re.compile(r"/dashboard/credentials/ucr_\w+"))
    expect(page.get_by_text("submitted-by-operator").first).to_be_visible()
    listed = httpx.get(
        f"{server.url}/v1/utility_credentials",
        params={"client_user_id": "submitted-by-operator"},
        auth=server.auth,
    ).json()["data"]
    assert [c["status"] for c in listed] == ["verified"]
    context.close()


def test_a_viewer_sees_no_action_and_the_api_refuses_one(
    browser: Browser, server: Server, operators: dict[str, str]
) -> None:
    credential_id = refresh_required_credential(server, "viewer-target")
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, server, operators["viewer"])
    page.goto(f"{server.url}/dashboard/credentials/{credential_id}")
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    expect(
        page.get_by_text(REFRESH).or_(page.get_by_text("MFA refresh required")).first
    ).to_be_visible()
    for name in (
        "Retry MFA verification",
        "Generate update link",
        "Refresh now",
        "Delete credential",
    ):
        expect(page.get_by_role("button", name=name)).to_have_count(0)
    page.goto(f"{server.url}/dashboard/credentials")
    expect(page.get_by_role("button", name="Submit credentials")).to_have_count(0)
    # The page's own session and CSRF token, used by hand: the API refuses the viewer.
    answer = page.evaluate(
        """async (id) => {
            const session = await (await fetch('/dashboard/api/session')).json();
            const r = await fetch(`/dashboard/api/credentials/${id}/links`, {
                method: 'POST', headers: {'X-CSRF-Token': session.csrf_token}});
            return [r.status, (await r.json()).error.code];
        }""",
        credential_id,
    )
    assert answer == [403, "forbidden"]
    context.close()


@pytest.mark.parametrize(("width", "locale"), VIEWS, ids=[f"{w}-{lang}" for w, lang in VIEWS])
def test_every_page_is_accessible_and_fits(
    browser: Browser, server: Server, operators: dict[str, str], width: int, locale: str
) -> None:
    credential_id = refresh_required_credential(server, f"pages-{width}-{locale}")
    screens = Screens(Path(f"dashboard-pages-{width}-{locale}"))
    context = new_context(browser, width, locale)
    page = context.new_page()
    sign_in(page, server, operators["admin"], screens, locale)
    expect(page.locator("html")).to_have_attribute("lang", locale[:2])
    paths = {
        "overview": "/dashboard",
        "credentials": "/dashboard/credentials",
        "credential": f"/dashboard/credentials/{credential_id}",
        "users": "/dashboard/users",
        "events": "/dashboard/events",
        "webhooks": "/dashboard/webhooks",
        "clients": "/dashboard/clients",
        "audit": "/dashboard/audit",
    }
    for name, path in paths.items():
        page.goto(f"{server.url}{path}")
        expect(page.get_by_role("heading", level=1)).to_be_visible()
        expect(page.locator("[aria-busy=true]")).to_have_count(0)
        screens.check(page, name)
        overflow = page.evaluate(
            "() => document.documentElement.scrollWidth - document.documentElement.clientWidth"
        )
        assert overflow <= 0, f"{name} scrolls sideways by {overflow}px at {width}px"
    context.close()


def test_the_dashboard_is_never_framed_and_its_session_cookie_is_strict(
    browser: Browser, server: Server, operators: dict[str, str]
) -> None:
    context = new_context(browser)
    page = context.new_page()
    sign_in(page, server, operators["viewer"])
    cookies = {c["name"]: c for c in context.cookies(f"{server.url}/dashboard/")}
    cookie = cookies["gridlink_dashboard"]
    assert cookie["httpOnly"] is True
    assert cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/dashboard"
    assert page.evaluate("() => document.cookie") == ""
    shell = httpx.get(f"{server.url}/dashboard")
    assert "frame-ancestors 'none'" in shell.headers["content-security-policy"]
    assert json.loads(httpx.get(f"{server.url}/dashboard/api/overview").text)["error"]["code"] in (
        "unauthorized",
        "session_expired",
    )
    context.close()
