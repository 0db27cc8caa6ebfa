"""Connect's strict CSP (security control 31) holds in a real run: a whole connection in each way
Connect is shown — the `connect.js` script tag, a bare iframe (both cross-site frames on a host
of another origin) and a full-page connect link — reports zero CSP violations in any frame.

A violation is something the UI tried that the policy refused (an inline style or script, an
eval, a load from another origin), so it is a broken screen or a hole the policy papered over;
tests/e2e/csp_violations.py says how they are caught. Each test also checks that the Connect
page it watched was served with a strict policy, so zero is not zero for want of a policy.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.csp_violations import CspViolations
from tests.e2e.embedded import (
    CONNECTED,
    UTILITY,
    Embedded,
    Person,
    entries,
    new_context,
    wait_for_entries,
)
from tests.e2e.harness import Server
from tests.e2e.host_apps import HostApp, host_app

FRAME, LINK = "/connect/frame", "/connect/link"


@pytest.fixture(scope="module")
def host(server: Server) -> Iterator[HostApp]:
    with host_app(server) as app:
        yield app


@pytest.fixture
def watched(browser: Browser, server: Server) -> Iterator[tuple[Page, CspViolations]]:
    context = new_context(browser)
    violations = CspViolations(context, server.url)
    yield context.new_page(), violations
    context.close()


def check_no_violations(page: Page, violations: CspViolations, server: Server, path: str) -> None:
    violations.settle(page)
    assert {served for served, _ in violations.policies} == {f"{server.url}{path}"}
    assert violations.loose_policies() == []
    assert violations.seen == [], violations.report()


def test_a_script_tag_connection_reports_no_csp_violation(
    watched: tuple[Page, CspViolations], host: HostApp, server: Server
) -> None:
    page, violations = watched
    page.goto(f"{host.origin}/script.html")
    connect = Embedded(page)
    connect.open()
    person = Person(connect.ui)
    person.connect_user_good()
    person.button("Done")
    wait_for_entries(page, "exit")
    wait_for_entries(page, "exchange")
    [exchanged] = entries(page, "exchange")
    assert exchanged["status"] == 200, exchanged
    check_no_violations(page, violations, server, FRAME)


def test_a_bare_iframe_connection_reports_no_csp_violation(
    watched: tuple[Page, CspViolations], host: HostApp, server: Server
) -> None:
    page, violations = watched
    page.goto(f"{host.origin}/bare.html")
    person = Person(Embedded(page).ui)
    person.connect_user_good()
    person.button("Done")
    person.heading("Connect is closed")
    wait_for_entries(page, "exchange")
    [exchanged] = entries(page, "exchange")
    assert exchanged["status"] == 200, exchanged
    check_no_violations(page, violations, server, FRAME)


def test_a_connect_link_sign_in_reports_no_csp_violation(
    watched: tuple[Page, CspViolations], host: HostApp, server: Server
) -> None:
    page, violations = watched
    credential = host.linked_credential("host-csp-link-user")
    page.goto(host.connect_link(credential)["url"])
    person = Person(page)
    person.sign_in(f"Update your sign-in for {UTILITY}")
    person.heading(CONNECTED)
    page.get_by_role("link", name="Return to Host app").click()
    expect(page.get_by_role("heading", name="Back in Host app")).to_be_visible()
    check_no_violations(page, violations, server, LINK)
