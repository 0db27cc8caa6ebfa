"""The full-page connect link: the host's backend makes it for a linked credential
(POST /v1/utility_credentials/{id}/connect_link, with a redirect URI on the host's origin) and
the end user opens it on its own, say from an email. Every opening, in a fresh browser context,
shows the first screen (update mode: the sign-in form); a full user_good sign-in ends on the
success screen, whose "Return to Host app" leads back to the host with the result, which the
host's backend confirms. (The link page posts no messages and hands out no authorization code:
embed protocol §5.)
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.embedded import CONNECTED, UTILITY, Person, failure_report, new_context, open_many
from tests.e2e.harness import Server
from tests.e2e.host_apps import HostApp, host_app

RUNS = 20
FIRST_SCREEN = f"Update your sign-in for {UTILITY}"


@pytest.fixture(scope="module")
def host(server: Server) -> Iterator[HostApp]:
    with host_app(server) as app:
        yield app


@pytest.fixture(scope="module")
def credential(host: HostApp) -> str:
    return host.linked_credential("host-link-user")


def open_and_check(page: Page, url: str) -> str | None:
    page.goto(url)
    try:
        expect(page.get_by_role("heading", level=1, name=FIRST_SCREEN)).to_be_visible(
            timeout=15_000
        )
    except AssertionError:
        shown = page.locator("body").inner_text().strip()
        return f"no first screen: the page shows {shown[:80]!r}"
    return None


def test_every_opening_shows_the_first_screen(
    browser: Browser, host: HostApp, credential: str
) -> None:
    failures = open_many(
        browser, RUNS, lambda page: open_and_check(page, host.connect_link(credential)["url"])
    )
    assert failures == [], failure_report(failures, RUNS)


def test_a_sign_in_returns_to_the_host_with_the_result(
    browser: Browser, host: HostApp, credential: str
) -> None:
    link = host.connect_link(credential)
    verified_before = datetime.fromisoformat(host.credential(credential)["verified_at"])
    context = new_context(browser)
    try:
        page = context.new_page()
        assert open_and_check(page, link["url"]) is None
        person = Person(page)
        person.sign_in(FIRST_SCREEN)
        person.heading(CONNECTED)
        page.get_by_role("link", name="Return to Host app").click()
        expect(page.get_by_role("heading", name="Back in Host app")).to_be_visible()
        returned = urlsplit(page.url)
    finally:
        context.close()
    assert f"{returned.scheme}://{returned.netloc}{returned.path}" == host.return_url
    query = parse_qs(returned.query)
    assert query == {"status": ["verified"], "utility_credential_id": [credential]}
    # The host's backend does not take the query's word for it: the link is used up and the
    # utility accepted the sign-in again just now.
    assert host.link_status(credential, link["id"]) == "used"
    after = host.credential(credential)
    assert after["status"] == "verified"
    assert datetime.fromisoformat(after["verified_at"]) > verified_before
