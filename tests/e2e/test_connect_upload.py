"""A Green Button file uploaded in Connect, from a host page on another origin
(tests/e2e/host_apps.py: http://localhost:<p2> against the server on http://127.0.0.1:<p1>), in
a fresh browser context per run: consent, Sandbox Power & Light, "Upload a Green Button file
instead", a CSV picked in the file input, its progress, the summary with the right reading
count, Continue — then the host heard onSuccess once, and the API has the file credential and
its readings. Also: a file the server cannot read, then a good one; the demo page reaches the
upload screen; screenshots (and axe) of the upload screens in English and Spanish at 1280 and
360 px.

Uploads are throttled through the DevTools protocol (of the Connect frame itself: a cross-site
frame is a process of its own), so the progress bar is seen moving on loopback.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from playwright.sync_api import (
    Browser,
    BrowserContext,
    FilePayload,
    Frame,
    FrameLocator,
    Locator,
    Page,
    expect,
)

from tests.e2e.embedded import CONSENT, UTILITY, Embedded, entries, frame_messages
from tests.e2e.flows import Connect, open_demo
from tests.e2e.harness import ROOT, Server
from tests.e2e.host_apps import FRAME_TITLE, HostApp, host_app
from tests.e2e.screens import Screens
from tests.uploads.files import opower_csv

RUNS = 5
LA = ZoneInfo("America/Los_Angeles")
# 120 local days of hourly readings with no daylight-saving change among them: 2,880 readings,
# about 150 kB — a few seconds at the throttled rate below.
FIRST = date(2024, 5, 1)
DAYS = 120
READINGS = DAYS * 24
UPLOAD_BYTES_PER_SECOND = 64 * 1024
SUMMARY = "We found 1 meter with 2,880 hourly readings from May 1, 2024 to Aug 28, 2024."
SIZES = {"desktop": (1280, 800), "phone": (360, 740)}
MESSAGES = {
    lang: json.loads((ROOT / "widget/packages/ui/src/messages" / f"{lang}.json").read_text())
    for lang in ("en", "es")
}
# What the page records of the progress bar: every aria-valuenow it showed, in order.
WATCH_PROGRESS = """() => {
  window.progressSeen = [];
  new MutationObserver(() => {
    const bar = document.querySelector('[role=progressbar]');
    const now = bar && bar.getAttribute('aria-valuenow');
    if (now !== null && now !== window.progressSeen.at(-1)) window.progressSeen.push(now);
  }).observe(document.body, {subtree: true, childList: true, attributes: true,
    attributeFilter: ['aria-valuenow']});
}"""


@pytest.fixture(scope="module")
def host(server: Server) -> Iterator[HostApp]:
    with host_app(server) as app:
        yield app


def new_context(browser: Browser, width: int = 1000, height: int = 800) -> BrowserContext:
    """A fresh visitor in the utility's time zone (the summary's days are the end user's)."""
    context = browser.new_context(viewport={"width": width, "height": height}, timezone_id=str(LA))
    context.set_default_timeout(20_000)
    return context


def csv_file(name: str, content: bytes) -> FilePayload:
    return {"name": name, "mimeType": "text/csv", "buffer": content}


def usage_file() -> FilePayload:
    return csv_file("usage.csv", opower_csv(FIRST, DAYS))


def connect_frame(page: Page, title: str = FRAME_TITLE) -> Frame:
    handle = page.locator(f'iframe[title="{title}"]').element_handle()
    frame = handle.content_frame() if handle else None
    assert frame is not None, "no Connect frame on the page"
    return frame


def throttle_uploads(page: Page, frame: Frame) -> None:
    """Slow the Connect frame's uploads to UPLOAD_BYTES_PER_SECOND. A cross-site frame has its
    own DevTools target; a same-origin one (the demo page) shares the page's."""
    try:
        cdp = page.context.new_cdp_session(frame)
    except Exception:  # not a frame of its own: the page's session covers it
        cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 0,
            "downloadThroughput": -1,
            "uploadThroughput": UPLOAD_BYTES_PER_SECOND,
        },
    )


def to_upload_screen(page: Page, host: HostApp) -> Embedded:
    """From the host page: open Connect, consent, Sandbox Power & Light, the upload instead."""
    page.goto(f"{host.origin}/script.html")
    connect = Embedded(page)
    connect.open()
    expect(connect.heading(CONSENT)).to_be_visible()
    connect.button("Agree and continue").click()
    expect(connect.heading("Find your utility")).to_be_visible()
    utility = connect.ui.get_by_role("radio", name=re.compile(re.escape(UTILITY)))
    utility.check()
    connect.button("Continue").click()
    expect(connect.heading(f"Sign in to {UTILITY}")).to_be_visible()
    connect.button("Upload a Green Button file instead").click()
    expect(connect.heading("Upload a Green Button file")).to_be_visible()
    return connect


def picker(ui: FrameLocator) -> Locator:
    return ui.get_by_label(re.compile("^Choose (a|another) file$"))


def api(host: HostApp, path: str, **params: str) -> Any:
    answer = httpx.get(f"{host.server.url}{path}", params=params, auth=host.auth)
    assert answer.status_code == 200, answer.text
    return answer.json()


def check_stored(host: HostApp, credential_id: str) -> None:
    """The credential is a file credential, and its meter's readings are the file's."""
    credential = api(host, f"/v1/utility_credentials/{credential_id}")
    assert credential["method"] == "file", credential
    assert credential["utility"]["id"] == "sandbox_electric", credential
    assert credential["status"] == "verified", credential
    [meter] = api(host, "/v1/utility_meters", utility_credential_id=credential_id)["data"]
    start = datetime(FIRST.year, FIRST.month, FIRST.day, tzinfo=LA)
    end = start + timedelta(days=DAYS)
    intervals = api(
        host,
        "/v1/utility_intervals",
        meter_id=meter["id"],
        start=start.isoformat(),
        end=end.isoformat(),
    )
    assert len(intervals["data"]) == READINGS, len(intervals["data"])
    assert intervals["data"][0]["start"].startswith("2024-05-01T07:00:00"), intervals["data"][0]


def upload_once(page: Page, host: HostApp) -> str | None:
    """One whole run; returns what went wrong, or None."""
    connect = to_upload_screen(page, host)
    ui = connect.ui
    frame = connect_frame(page)
    throttle_uploads(page, frame)
    frame.evaluate(WATCH_PROGRESS)
    picker(ui).set_input_files(files=[usage_file()])
    expect(ui.get_by_role("progressbar", name="Uploading usage.csv")).to_be_visible()
    expect(ui.get_by_role("button", name="Cancel", exact=True)).to_be_visible()
    expect(connect.heading("Your file is uploaded")).to_be_visible()
    seen = [int(v) for v in frame.evaluate("() => window.progressSeen")]
    if not any(0 < v < 100 for v in seen) or seen != sorted(seen):
        return f"the progress bar did not move forward through the upload: {seen}"
    expect(ui.get_by_text(SUMMARY, exact=True)).to_be_visible()
    expect(ui.get_by_role("listitem")).to_have_text(
        "Electric2,880 hourly readings · May 1, 2024 to Aug 28, 2024"
    )
    connect.button("Continue").click()
    expect(connect.heading("Your account is connected")).to_be_visible()
    connect.button("Done").click()
    page.wait_for_function("() => window.hostLog.some((e) => e.kind === 'exit')")
    successes = [e["payload"] for e in entries(page, "success")]
    raw = frame_messages(page, "success")
    if len(successes) != 1 or len(raw) != 1:
        return f"onSuccess {len(successes)} times ({len(raw)} success messages)"
    [success] = successes
    credential_id = success["utility_credential_id"]
    assert credential_id.startswith("ucr_"), success
    assert success["utility"] == {"id": "sandbox_electric", "name": UTILITY}, success
    [ended] = entries(page, "exit")
    assert ended["status"] == "verified", ended
    page.wait_for_function("() => window.hostLog.some((e) => e.kind === 'exchange')")
    [exchanged] = entries(page, "exchange")
    assert exchanged["status"] == 200, exchanged
    assert exchanged["body"]["utility_credential_id"] == credential_id, exchanged
    check_stored(host, credential_id)
    return None


def test_a_file_uploaded_in_connect_reaches_the_host_and_the_api(
    browser: Browser, host: HostApp
) -> None:
    failures = []
    for run in range(1, RUNS + 1):
        context = new_context(browser)
        try:
            problem = upload_once(context.new_page(), host)
        finally:
            context.close()
        if problem is not None:
            failures.append(f"run {run}: {problem}")
    assert failures == [], f"{len(failures)} of {RUNS} runs failed:\n" + "\n".join(failures)


def test_a_file_it_cannot_read_says_why_and_another_file_goes_through(
    browser: Browser, host: HostApp
) -> None:
    context = new_context(browser)
    try:
        page = context.new_page()
        connect = to_upload_screen(page, host)
        ui = connect.ui
        notes = csv_file("notes.csv", b"hello,world\n1,2\n")
        picker(ui).set_input_files(files=[notes])
        alert = ui.get_by_role("alert").filter(has_text="We couldn't read notes.csv.")
        expect(alert).to_be_visible()
        expect(alert).to_contain_text("This is not a Green Button file we can read")
        expect(ui.get_by_label("Choose another file", exact=True)).to_be_attached()
        picker(ui).set_input_files(files=[usage_file()])
        expect(connect.heading("Your file is uploaded")).to_be_visible()
        expect(ui.get_by_text(SUMMARY, exact=True)).to_be_visible()
        connect.button("Continue").click()
        expect(connect.heading("Your account is connected")).to_be_visible()
        page.wait_for_function("() => window.hostLog.some((e) => e.kind === 'success')")
        [success] = [e["payload"] for e in entries(page, "success")]
        check_stored(host, success["utility_credential_id"])
    finally:
        context.close()


def test_the_demo_page_reaches_the_upload_screen(page: Page, server: Server) -> None:
    open_demo(page, server)
    connect = Connect(page)
    connect.open()
    connect.consent()
    connect.choose_utility()
    connect.heading(f"Sign in to {UTILITY}")
    connect.button("Upload a Green Button file instead").click()
    connect.heading("Upload a Green Button file")
    expect(connect.ui.get_by_label("Choose a file", exact=True)).to_have_attribute(
        "accept", ".xml,.csv,.zip"
    )
    connect.button("Back").click()
    connect.heading(f"Sign in to {UTILITY}")


# Screenshots ------------------------------------------------------------------------------


def open_in(page: Page, server: Server, lang: str) -> None:
    """Connect on the demo page with a connect token in ``lang``; waits for onLoad."""
    token = httpx.post(
        f"{server.url}/v1/auth/connect_token",
        json={"client_user_id": f"upload-{uuid.uuid4()}", "language": lang},
        auth=server.auth,
    ).json()["connect_token"]
    page.evaluate(
        """(token) => new Promise((loaded) => {
          window.Gridlink.create({connectToken: token, onSuccess() {}, onLoad: loaded}).open();
        })""",
        token,
    )


@pytest.mark.parametrize("size", list(SIZES))
@pytest.mark.parametrize("lang", ["en", "es"])
def test_the_upload_screens(browser: Browser, server: Server, lang: str, size: str) -> None:
    """Photographed into build/e2e-screenshots/upload-<lang>-<size>/ and checked with axe:
    the upload screen, its progress, a file it cannot read, the summary."""
    messages = MESSAGES[lang]
    title = messages["title"]
    context = new_context(browser, *SIZES[size])
    screens = Screens(Path(f"upload-{lang}-{size}"))
    try:
        page = context.new_page()
        open_demo(page, server)
        open_in(page, server, lang)
        ui = page.frame_locator(f'iframe[title="{title}"]')
        frame = connect_frame(page, title)

        def heading(key: str) -> None:
            name = messages[key].replace("{utility}", UTILITY)
            expect(ui.get_by_role("heading", level=1, name=name)).to_be_visible()

        def button(key: str) -> None:
            ui.get_by_role("button", name=messages[key], exact=True).click()

        button("consent.agree")
        ui.get_by_role("radio", name=re.compile(re.escape(UTILITY))).check()
        button("continue")
        heading("credentials.heading")
        button("upload.instead")
        heading("upload.heading")
        screens.check(page, "upload", frame)

        bad = csv_file("notes.csv", b"hello,world\n")
        ui.get_by_label(messages["upload.choose"], exact=True).set_input_files(files=[bad])
        expect(ui.get_by_role("alert")).to_contain_text("notes.csv")
        screens.check(page, "upload-invalid", frame)

        throttle_uploads(page, frame)
        ui.get_by_label(messages["upload.chooseAnother"], exact=True).set_input_files(
            files=[usage_file()]
        )
        bar = ui.get_by_role("progressbar")
        expect(bar).to_have_attribute("aria-valuenow", re.compile("^[1-9][0-9]?$"))
        screens.check(page, "upload-progress", frame)

        heading("found.heading")
        screens.check(page, "upload-summary", frame)
        if size == "phone":
            # The card is the whole screen, Continue at its bottom.
            cont = ui.get_by_role("button", name=messages["continue"], exact=True).bounding_box()
            assert cont is not None
            assert cont["y"] + cont["height"] > SIZES[size][1] - 80, cont
        button("continue")
        heading("success.heading")
    finally:
        context.close()
