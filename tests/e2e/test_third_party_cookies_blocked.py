"""Connect needs no third-party cookie (security control 32): in a Chromium whose profile blocks
third-party cookies — shown to be in effect by a probe in the same profile, just before — a whole
`connect.js` connection on a host of another site completes (user_good to onSuccess, the code
exchanged by the host's backend, onExit verified), and no request to Gridlink or answer from it
carries a Cookie or Set-Cookie header: the session is the connect token, held in memory.

tests/e2e/third_party_cookies.py says how the blocking is switched on and probed; the first test
shows the probe sees third-party cookies when the profile allows them, so "blocked" is measured.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Playwright, Request

from tests.e2e.embedded import Embedded, Person, entries, wait_for_entries
from tests.e2e.harness import Server
from tests.e2e.host_apps import HostApp, host_app
from tests.e2e.third_party_cookies import (
    ALLOW_ALL,
    BLOCK_THIRD_PARTY,
    chromium_profile,
    probe,
    probe_server,
)

# The requests a connection makes to Gridlink, at least: the loader, its frame request, the
# Connect page, and the frame's ticket trade (the API calls of each screen come on top).
FLOW_PATHS = {"/connect.js", "/connect/api/frames", "/connect/frame", "/connect/api/sessions"}


@pytest.fixture(scope="module")
def host(server: Server) -> Iterator[HostApp]:
    with host_app(server) as app:
        yield app


@pytest.fixture(scope="module")
def probe_port() -> Iterator[int]:
    with probe_server() as port:
        yield port


def test_the_probe_sees_third_party_cookies_when_the_profile_allows_them(
    playwright: Playwright, tmp_path: Path, probe_port: int
) -> None:
    with chromium_profile(playwright, tmp_path / "profile", ALLOW_ALL) as context:
        probed = probe(context, probe_port)
    assert "probe_header=1" in probed.sent_back, probed
    assert "probe_script=1" in probed.document_cookie, probed
    assert sorted(probed.stored) == ["probe_header", "probe_script"], probed


def cookie_headers(requests: list[Request]) -> list[str]:
    """Every Cookie header sent and Set-Cookie header answered, with its URL. all_headers() are
    the headers on the wire (Playwright's `headers` leave cookies out)."""
    found = []
    for request in requests:
        if "cookie" in request.all_headers():
            found.append(f"Cookie on {request.method} {request.url}")
        response = request.response()
        if response is not None and "set-cookie" in response.all_headers():
            found.append(f"Set-Cookie from {request.method} {request.url}")
    return found


def test_a_script_tag_connection_completes_with_third_party_cookies_blocked(
    playwright: Playwright, tmp_path: Path, probe_port: int, host: HostApp, server: Server
) -> None:
    with chromium_profile(playwright, tmp_path / "profile", BLOCK_THIRD_PARTY) as context:
        probed = probe(context, probe_port)
        assert probed.blocked, f"third-party cookies are not blocked in this profile: {probed}"

        requests: list[Request] = []
        context.on("request", lambda request: requests.append(request))
        page = context.new_page()
        page.goto(f"{host.origin}/script.html")
        connect = Embedded(page)
        connect.open()
        person = Person(connect.ui)
        person.connect_user_good()
        wait_for_entries(page, "success")
        wait_for_entries(page, "exchange")
        person.button("Done")
        wait_for_entries(page, "exit")

        [success] = [e["payload"] for e in entries(page, "success")]
        [exchanged] = entries(page, "exchange")
        assert exchanged["status"] == 200, exchanged
        assert exchanged["body"]["utility_credential_id"] == success["utility_credential_id"]
        [ended] = entries(page, "exit")
        assert ended["status"] == "verified", ended

        to_gridlink = [r for r in requests if r.url.startswith(f"{server.url}/")]
        sent = {urlsplit(r.url).path for r in to_gridlink}
        assert not FLOW_PATHS - sent, sorted(sent)
        assert cookie_headers(to_gridlink) == []
