"""Green Button Connect My Data in the browser, the way an integrator's end user meets it.

A `gridlink serve` with the local Data Custodian registered for Sandbox Power & Light by the
operator's own command (`gridlink green-button add-custodian`, secret on standard input); the
custodian on another loopback origin; the host page on a third (tests/e2e/host_apps.py). In a
fresh browser context per run: consent, the utility, "Continue to Sandbox Power & Light", the
custodian's page in a popup, Allow, the popup closes itself, Connect finishes, onSuccess once,
the host's code exchange. Then through the API: the credential is `green_button` and holds
every hourly reading the custodian published; its first sync refreshed the short-lived access
token; a BatchList notification makes a sync run at once; the customer's revocation at the
utility makes the credential `rejected` (`AUTHORIZATION_REVOKED`). Also a denial at the
custodian, and screenshots (axe-checked) of the new screens in English and Spanish.
"""

from __future__ import annotations

import itertools
import json
import re
import subprocess
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright.sync_api import Browser, BrowserContext, Page, expect

from gridlink.greenbutton.custodian import Registration, SandboxFeeds
from gridlink.greenbutton.custodian.espi_writer import batch_list
from gridlink.greenbutton.custodian.testing import Served, serve_custodian
from tests.e2e.embedded import CONSENT, UTILITY, Embedded, entries, frame_messages
from tests.e2e.flows import Connect, log_entries, open_demo
from tests.e2e.harness import GRIDLINK, ROOT, Server
from tests.e2e.host_apps import HostApp, host_app
from tests.e2e.screens import Screens
from tests.e2e.test_connect_upload import connect_frame, open_in

RUNS = 3
CLIENT_ID = "gridlink-e2e"
SECRET = "e2e-custodian-secret-5Rw1"
DAYS = 10
SIZES = {"desktop": (1280, 800), "phone": (360, 740)}
MESSAGES = {
    lang: json.loads((ROOT / "widget/packages/ui/src/messages" / f"{lang}.json").read_text())
    for lang in ("en", "es")
}


@pytest.fixture(scope="module")
def custodian(server: Server) -> Iterator[Served]:
    registration = Registration(
        client_id=CLIENT_ID,
        client_secret=SECRET,
        redirect_uris=(f"{server.url}/connect/green_button/callback",),
        name="Host app",
    )
    # Access tokens live 90 s: each sync finds one about to expire and refreshes it first.
    with serve_custodian(
        registrations=[registration],
        feeds=SandboxFeeds(days=DAYS),
        require_pkce=True,
        access_token_seconds=90,
    ) as served:
        added = subprocess.run(
            [
                str(GRIDLINK),
                "green-button",
                "add-custodian",
                "sandbox_electric",
                "--client-id",
                CLIENT_ID,
                "--client-secret-stdin",
                "--authorization-endpoint",
                f"{served.base_url}/oauth/authorize",
                "--token-endpoint",
                f"{served.base_url}/oauth/token",
                "--resource-endpoint",
                f"{served.base_url}/espi/1_1/resource",
                "--scope",
                registration.scope,
            ],
            input=SECRET,
            env=server.env,
            capture_output=True,
            text=True,
            check=True,
        )
        assert SECRET not in added.stdout + added.stderr
        assert "/connect/green_button/callback" in added.stdout, added.stdout
        yield served


@pytest.fixture(scope="module")
def host(server: Server, custodian: Served) -> Iterator[HostApp]:
    with host_app(server) as app:
        yield app


def new_context(browser: Browser, width: int = 1000, height: int = 800) -> BrowserContext:
    context = browser.new_context(viewport={"width": width, "height": height})
    context.set_default_timeout(20_000)
    return context


def to_green_button(page: Page, host: HostApp) -> Embedded:
    page.goto(f"{host.origin}/script.html")
    connect = Embedded(page)
    connect.open()
    expect(connect.heading(CONSENT)).to_be_visible()
    connect.button("Agree and continue").click()
    expect(connect.heading("Find your utility")).to_be_visible()
    connect.ui.get_by_role("radio", name=re.compile(re.escape(UTILITY))).check()
    connect.button("Continue").click()
    expect(connect.heading(f"Connect through {UTILITY}")).to_be_visible()
    return connect


def at_custodian(page: Page, connect: Embedded, decision: str) -> None:
    """Continue, then the custodian's page in the popup Connect opened; the popup closes."""
    with page.expect_popup() as opened:
        connect.button(f"Continue to {UTILITY}").click()
    popup = opened.value
    expect(
        popup.get_by_role("heading", name="Share your energy data with Host app")
    ).to_be_visible()
    expect(connect.heading(f"Finish in the {UTILITY} window")).to_be_visible()
    with popup.expect_event("close"):
        popup.get_by_role("button", name=decision).click()


def api(host: HostApp, path: str, **params: Any) -> Any:
    answer = httpx.get(f"{host.server.url}{path}", params=params, auth=host.auth)
    assert answer.status_code == 200, answer.text
    return answer.json()


def wait_for(what: str, check: Any, within: float = 60) -> Any:
    deadline = time.monotonic() + within
    while True:
        found = check()
        if found:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"{what} did not happen within {within} s")
        time.sleep(0.2)


def synced(host: HostApp, credential_id: str, after: str | None = None) -> Any:
    body = api(host, f"/v1/utility_credentials/{credential_id}")
    sync = body["sync"]
    done = sync and sync["state"] == "scheduled" and body["last_synced_at"]
    return body if done and (after is None or body["last_synced_at"] > after) else None


def connect_once(page: Page, host: HostApp) -> str | None:
    connect = to_green_button(page, host)
    at_custodian(page, connect, "Allow")
    expect(connect.heading("Your account is connected")).to_be_visible()
    connect.button("Done").click()
    page.wait_for_function("() => window.hostLog.some((e) => e.kind === 'exit')")
    successes = [e["payload"] for e in entries(page, "success")]
    if len(successes) != 1 or len(frame_messages(page, "success")) != 1:
        return f"onSuccess {len(successes)} times"
    [success] = successes
    page.wait_for_function("() => window.hostLog.some((e) => e.kind === 'exchange')")
    [exchanged] = entries(page, "exchange")
    if exchanged["body"].get("utility_credential_id") != success["utility_credential_id"]:
        return f"the exchange named another credential: {exchanged}"
    return str(success["utility_credential_id"])


def test_connect_my_data_from_a_host_on_another_origin(
    browser: Browser, host: HostApp, custodian: Served
) -> None:
    credentials = []
    failures = []
    for run in range(1, RUNS + 1):
        context = new_context(browser)
        try:
            outcome = connect_once(context.new_page(), host)
        finally:
            context.close()
        if outcome is None or not outcome.startswith("ucr_"):
            failures.append(f"run {run}: {outcome}")
        else:
            credentials.append(outcome)
    assert failures == [], f"{len(failures)} of {RUNS} runs failed:\n" + "\n".join(failures)
    # The host page makes a new end user per run: a credential each.
    assert len(set(credentials)) == RUNS, credentials
    credential_id = credentials[-1]

    body = wait_for("the first sync", lambda: synced(host, credential_id))
    assert (body["method"], body["status"]) == ("green_button", "verified"), body
    [meter] = api(host, "/v1/utility_meters", utility_credential_id=credential_id)["data"]
    now = datetime.now(UTC)
    start = SandboxFeeds(days=DAYS).start(now)
    readings = api(
        host,
        "/v1/utility_intervals",
        meter_id=meter["id"],
        start=start.isoformat(),
        end=now.isoformat(),
    )["data"]
    # Every hour the custodian published, once: from its first day up to the last full hour.
    assert readings[0]["start"] == start.isoformat().replace("+00:00", "Z"), readings[0]
    for before, after in itertools.pairwise(readings):
        assert before["end"] == after["start"], (before, after)
    last_end = datetime.fromisoformat(readings[-1]["end"].replace("Z", "+00:00"))
    assert now - last_end < timedelta(hours=2), readings[-1]

    # Every sync found the 90-second access token about to expire and refreshed it.
    authorization = custodian.custodian.authorizations()[-1]  # the last run's
    assert authorization.active
    assert custodian.custodian.tokens_issued(authorization.id) >= 2

    # A notification from the custodian: a sync runs at once.
    last = body["last_synced_at"]
    time.sleep(1.1)  # last_synced_at has second precision in the comparison below
    subscription = (
        f"{custodian.base_url}/espi/1_1/resource/Batch/Subscription/{authorization.subscription_id}"
    )
    listed = json.loads(host.server.cli("green-button", "list-custodians", "--json"))
    # Two: this test's, and the sandbox's own (Sandbox Green Button Utility).
    [registered] = [c for c in listed if c["utility_id"] == "sandbox_electric"]
    delivered = httpx.post(  # as the custodian's notify does
        registered["notification_uri"],
        content=batch_list([subscription]),
        headers={"Content-Type": "application/atom+xml"},
    )
    assert delivered.status_code == 204, delivered.text
    wait_for("a sync after the notification", lambda: synced(host, credential_id, after=last))

    # The customer revokes at the utility: the next sync rejects the credential.
    for active in custodian.custodian.authorizations():
        if active.active:
            custodian.custodian.revoke_authorization(active.id)
    refreshed = host.api("POST", f"/v1/utility_credentials/{credential_id}/refresh", {})
    assert refreshed.status_code in (200, 202), refreshed.text
    revoked = wait_for(
        "the revocation",
        lambda: (
            (b := api(host, f"/v1/utility_credentials/{credential_id}"))["status"] == "rejected"
            and b
        ),
    )
    assert (revoked["status_detail"], revoked["action_required"]) == ("AUTHORIZATION_REVOKED", True)
    kinds = [
        e["type"] for e in api(host, "/v1/events", utility_credential_id=credential_id)["data"]
    ]
    assert "utility_credential_revoked" in kinds, kinds


def test_a_denial_at_the_utility_says_so_and_offers_another_way(
    browser: Browser, host: HostApp
) -> None:
    context = new_context(browser)
    try:
        page = context.new_page()
        connect = to_green_button(page, host)
        at_custodian(page, connect, "Deny")
        expect(
            connect.heading("You didn't allow Host app to see your Sandbox Power & Light data.")
        ).to_be_visible()
        assert entries(page, "success") == []
    finally:
        context.close()


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_green_button_screens(
    browser: Browser, server: Server, custodian: Served, lang: str, size: str
) -> None:
    """Photographed into build/e2e-screenshots/green-button-<lang>-<size>/ and checked with axe:
    the offer and the wait while the utility's window is open (Connect on the demo page)."""
    messages = MESSAGES[lang]
    title = messages["title"]
    context = new_context(browser, *SIZES[size])
    screens = Screens(Path(f"green-button-{lang}-{size}"))
    try:
        page = context.new_page()
        open_demo(page, server)
        open_in(page, server, lang)
        ui = page.frame_locator(f'iframe[title="{title}"]')
        frame = connect_frame(page, title)

        def text(key: str) -> str:
            return messages[key].replace("{utility}", UTILITY).replace("{client}", "Gridlink demo")

        ui.get_by_role("button", name=messages["consent.agree"], exact=True).click()
        ui.get_by_role("radio", name=re.compile(re.escape(UTILITY))).check()
        ui.get_by_role("button", name=messages["continue"], exact=True).click()
        heading = ui.get_by_role("heading", level=1, name=text("greenButton.heading"))
        expect(heading).to_be_visible()
        screens.check(page, "green-button", frame)
        with page.expect_popup() as opened:
            ui.get_by_role("button", name=text("greenButton.continue"), exact=True).click()
        popup = opened.value
        waiting = ui.get_by_role("heading", level=1, name=text("greenButton.waitHeading"))
        expect(waiting).to_be_visible()
        screens.check(page, "green-button-wait", frame)
        popup.close()
    finally:
        context.close()


def test_the_demo_connects_the_sandbox_green_button_utility(page: Page, server: Server) -> None:
    """What an integrator tries first: `gridlink serve`'s own custodian (mounted at
    /sandbox/green-button), from the demo page, to the demo's linked accounts."""
    open_demo(page, server)
    connect = Connect(page)
    connect.open()
    connect.consent()
    connect.choose_utility("Sandbox Green Button Utility")
    connect.heading("Connect through Sandbox Green Button Utility")
    with page.expect_popup() as opened:
        connect.button("Continue to Sandbox Green Button Utility").click()
    popup = opened.value
    expect(
        popup.get_by_role("heading", name="Share your energy data with Gridlink sandbox")
    ).to_be_visible()
    popup.get_by_role("radio", name=re.compile("Sam Okafor")).check()  # electric and gas
    with popup.expect_event("close"):
        popup.get_by_role("button", name="Allow").click()
    connect.heading("Your account is connected")
    connect.button("Done").click()
    expect(log_entries(page, "success")).to_have_count(1)
    expect(page.get_by_text("Sandbox Green Button Utility").first).to_be_visible()
