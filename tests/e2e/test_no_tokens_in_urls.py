"""No secret travels in a URL or a Referer, and Connect's answers are never stored (security
control 33), shown on every request a real Chromium makes in two whole connections
(tests/e2e/request_log.py records them, in every frame):

- a `connect.js` script tag on a host of another site, with MFA (user_mfa_sms, then its code),
  ending in onSuccess and the host's backend exchanging the code;
- a full-page connect link, up to "Return to Host app".

The secrets looked for: the connect token the host's backend made, the frame ticket or link
token, the Connect session token the UI sends as its bearer, the authorization code, the
password, the MFA code, the host's client secret — and anything shaped like a Gridlink token.

By design the frame ticket and the link token are in the URL that opens the Connect page, in
its fragment: a fragment is never sent (not in the request, not in a Referer), and the page
drops it from the address bar with history.replaceState (docs/reference/embed-protocol.md §1,
§5). The tests show both.

Referer: Gridlink answers everything with `Referrer-Policy: no-referrer`, so in Chromium a
request made by a Connect page (its scripts, its API calls, the link's way back to the host)
carries no Referer at all. The only Referers Gridlink receives are the host page's, which
Chromium's default policy cuts to the host's origin.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, BrowserContext, expect

from tests.e2e.embedded import (
    CONNECTED,
    CONSENT,
    UTILITY,
    Embedded,
    Person,
    entries,
    new_context,
    wait_for_entries,
)
from tests.e2e.harness import Server
from tests.e2e.host_apps import HostApp, host_app
from tests.e2e.request_log import RequestLog, Sent, answers_not_no_store, secrets_on_the_wire

PASSWORD = "pass_good"
MFA_CODE = "123456"  # docs/reference/sandbox.md


@pytest.fixture(scope="module")
def host(server: Server) -> Iterator[HostApp]:
    with host_app(server) as app:
        yield app


@pytest.fixture
def recorded(browser: Browser) -> Iterator[tuple[BrowserContext, RequestLog]]:
    context = new_context(browser)
    log = RequestLog(context)
    yield context, log
    context.close()


def without_fragment(url: str) -> str:
    return url.split("#", 1)[0]


def fragment_value(url: str, name: str) -> str:
    [value] = parse_qs(urlsplit(url).fragment)[name]
    return value


def made_by_connect(sent: list[Sent], server: Server) -> list[Sent]:
    return [r for r in sent if r.made_by.startswith(f"{server.url}/connect/")]


def bearers(sent: list[Sent], server: Server) -> set[str]:
    """The session bearers Connect's API calls carried."""
    return {
        r.authorization.removeprefix("Bearer ")
        for r in sent
        if r.url.startswith(f"{server.url}/connect/api/") and r.authorization
    }


def check_no_store(log: RequestLog, server: Server) -> None:
    """Every answer under /connect/ said no-store (Connect's API answers among them)."""
    answered = {urlsplit(a.url).path for a in log.answers if a.url.startswith(server.url)}
    assert {"/connect/api/sessions", "/connect/api/attempts"} <= answered, answered
    assert answers_not_no_store(log.answers, server.url) == []


def connect_with_mfa(person: Person) -> None:
    """From consent to the success screen: user_mfa_sms at Sandbox Power & Light, its code."""
    person.heading(CONSENT)
    person.button("Agree and continue")
    person.heading("Find your utility")
    person.press(person.ui.get_by_role("radio", name=re.compile(re.escape(UTILITY))))
    person.button("Continue")
    person.heading(f"Sign in to {UTILITY}")
    person.ui.get_by_label("Username").fill("user_mfa_sms")
    person.ui.get_by_label("Password", exact=True).fill(PASSWORD)
    person.button("Connect")
    # One option (SMS): the method screen may be skipped.
    method = person.ui.get_by_role("heading", level=1, name="Verify it's you")
    code = person.ui.get_by_role("heading", level=1, name="Enter your verification code")
    expect(method.or_(code)).to_be_visible()
    if method.is_visible():
        person.button("Send code")
    person.heading("Enter your verification code")
    person.ui.get_by_label("Verification code").fill(MFA_CODE)
    person.button("Verify")
    person.heading(CONNECTED)


def test_a_script_tag_connection_with_mfa_sends_no_secret_in_a_url_or_a_referer(
    recorded: tuple[BrowserContext, RequestLog], host: HostApp, server: Server
) -> None:
    context, log = recorded
    page = context.new_page()
    page.goto(f"{host.origin}/script.html")
    connect = Embedded(page)
    connect.open()
    connect_with_mfa(Person(connect.ui))
    # Read while the Connect frame exists (the loader removes it on exit).
    frame = page.frame(url=lambda url: url.startswith(f"{server.url}/connect/frame"))
    assert frame is not None
    address = (frame.url, frame.evaluate("() => location.href"))
    session_token = log.json("POST", f"{server.url}/connect/api/sessions")["session_token"]
    wait_for_entries(page, "success")
    wait_for_entries(page, "exchange")
    Person(connect.ui).button("Done")
    wait_for_entries(page, "exit")

    [success] = [e["payload"] for e in entries(page, "success")]
    [exchanged] = entries(page, "exchange")
    assert exchanged["status"] == 200, exchanged
    connect_token = log.json("POST", f"{host.origin}/api/connect_token")["connect_token"]
    frame_url = log.json("POST", f"{server.url}/connect/api/frames")["frame_url"]
    secrets = {
        "connect token": connect_token,
        "frame ticket": fragment_value(frame_url, "ticket"),
        "session token": session_token,
        "authorization code": success["authorization_code"],
        "password": PASSWORD,
        "MFA code": MFA_CODE,
        "client secret": host.client_secret,
    }
    for name, prefix in (
        ("connect token", "glct_"),
        ("frame ticket", "glwt_"),
        ("session token", "glcs_"),
        ("authorization code", "glac_"),
    ):
        assert secrets[name].startswith(prefix), (name, secrets[name])
    sent = log.sent()
    # The recording saw the whole connection: the UI's bearer is the session token, and the
    # MFA code and the completion went out.
    assert bearers(sent, server) == {session_token}
    paths = {r.path for r in sent}
    assert {"/connect/api/frames", "/connect/api/sessions", "/api/exchange"} <= paths, paths
    assert any(p.endswith("/mfa/code") for p in paths), paths
    assert any(p.endswith("/complete") for p in paths), paths

    assert secrets_on_the_wire(sent, secrets) == []
    # The ticket rode only in the fragment of the frame's URL, which the frame dropped.
    [opened] = [r for r in sent if r.path == "/connect/frame"]
    assert opened.url == without_fragment(frame_url), (opened.url, frame_url)
    assert address == (opened.url, opened.url), address

    from_connect = made_by_connect(sent, server)
    assert {"/connect/api/sessions", "/connect/api/attempts"} <= {r.path for r in from_connect}
    assert [str(r) for r in from_connect if r.referer is not None] == []
    referers = {r.referer for r in sent if r.url.startswith(f"{server.url}/") and r.referer}
    assert referers == {f"{host.origin}/"}, referers

    check_no_store(log, server)


def test_a_connect_link_keeps_its_token_in_the_fragment_and_sends_no_referer(
    recorded: tuple[BrowserContext, RequestLog], host: HostApp, server: Server
) -> None:
    context, log = recorded
    credential = host.linked_credential("host-no-tokens-in-urls")
    link = host.connect_link(credential)["url"]
    link_token = fragment_value(link, "token")
    assert link_token.startswith("glcl_"), link
    assert link_token not in without_fragment(link), link
    page = context.new_page()
    page.goto(link)
    person = Person(page)
    person.sign_in(f"Update your sign-in for {UTILITY}")
    person.heading(CONNECTED)
    address = page.evaluate("() => location.href")
    history = context.new_cdp_session(page).send("Page.getNavigationHistory")["entries"]
    session_token = log.json("POST", f"{server.url}/connect/api/sessions")["session_token"]
    page.get_by_role("link", name="Return to Host app").click()
    expect(page.get_by_role("heading", name="Back in Host app")).to_be_visible()

    secrets = {
        "link token": link_token,
        "session token": session_token,
        "password": PASSWORD,
        "client secret": host.client_secret,
    }
    sent = log.sent()
    assert bearers(sent, server) == {session_token}
    assert any(p.endswith("/complete") for p in {r.path for r in sent})

    assert secrets_on_the_wire(sent, secrets) == []
    # The token rode only in the fragment; the page replaced its address, so no entry of the
    # tab's history holds the token either (Back does not bring it back).
    [opened] = [r for r in sent if r.path == "/connect/link"]
    assert opened.url == without_fragment(link)
    assert address == without_fragment(link), address
    assert [e["url"] for e in history] == ["about:blank", without_fragment(link)], history

    # Nothing at all carries a Referer: the page was typed in (goto), and everything after was
    # made by the link page, the way back to the host included.
    [returned] = [r for r in sent if r.url.startswith(host.return_url)]
    assert returned.made_by == without_fragment(link), returned
    assert [f"{r}: {r.referer}" for r in sent if r.referer is not None] == []

    check_no_store(log, server)
