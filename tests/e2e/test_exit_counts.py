"""Exactly one success and exactly one exit, with the documented fields
(docs/reference/embed-protocol.md), in every embedding style, counted on the host's side:

- script tag and React (`useConnect`): the loader's onSuccess/onExit calls, and the raw
  `success`/`exit` messages the frame posted (the loader would hide a duplicate);
- bare iframe: `gridlink:connected` and the `gridlink:status` messages whose event is `EXIT`;
- webview (`#…&webview=1`, loaded as the top page as a native app does): the navigations to
  `gridlinkconnect://connected?…` and `gridlinkconnect://status?…` (EXIT).

Each style runs a whole user_good connection — the host's backend exchanges the code — then
"Done", and an opening closed on its first screen. Before counting, a barrier message (posted
after everything the frame could have sent: from the frame itself while it still exists, or from
the host page once the loader removed it) proves every earlier message was delivered.
(The full-page connect link posts nothing: test_cross_origin_link.py checks its result.)
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import unquote, urlsplit

import pytest
from playwright.sync_api import Browser, Frame, FrameLocator, Page, Request, expect

from tests.e2e.embedded import (
    BARE_READY_OR_ENDED,
    CONSENT,
    LOADED_OR_ENDED,
    UTILITY,
    Embedded,
    Person,
    entries,
    frame_messages,
    new_context,
    statuses,
    wait_for_entries,
)
from tests.e2e.harness import Server
from tests.e2e.host_apps import HostApp, build_react_host, host_app

UTILITY_ID = "sandbox_electric"
EXIT_METADATA = {"session_id", "utility_id", "utility_name", "status_detail", "request_id"}
CLOSED = "Connect is closed"
LOADER_STYLES = ("script", "react")
STYLES = (*LOADER_STYLES, "bare", "webview")


@pytest.fixture(scope="module")
def host(server: Server, tmp_path_factory: pytest.TempPathFactory) -> Iterator[HostApp]:
    dist = build_react_host(tmp_path_factory.mktemp("react-host"))
    with host_app(server, react_dist=dist) as app:
        yield app


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    context = new_context(browser)
    yield context.new_page()
    context.close()


# Checks of the documented payloads ---------------------------------------------------------


def check_envelope(message: dict[str, Any]) -> None:
    assert (message["source"], message["v"]) == ("gridlink", 1), message


def check_success(payload: dict[str, Any]) -> None:
    """The loader's `success`: {utility_credential_id, authorization_code, utility, accounts}."""
    assert payload["utility_credential_id"].startswith("ucr_"), payload
    assert payload["authorization_code"], payload
    assert payload["utility"] == {"id": UTILITY_ID, "name": UTILITY}, payload
    assert isinstance(payload["accounts"], list), payload
    assert len(payload["accounts"]) == 1, payload


def check_exit_metadata(
    metadata: dict[str, Any], *, utility_known: bool, bare: bool = False
) -> None:
    """Exit metadata: {session_id, utility_id, utility_name, status_detail, request_id} as far
    as known; the session is always known once a screen was shown. The bare EXIT also names the
    screen it was closed on (`view`: the loader sends that in its EXIT event instead)."""
    assert metadata["session_id"].startswith("csn_"), metadata
    allowed = EXIT_METADATA | {"view"} if bare else EXIT_METADATA
    assert set(metadata) - {"status"} <= allowed, metadata
    if bare:
        assert isinstance(metadata["view"], str), metadata
    if utility_known:
        assert (metadata["utility_id"], metadata["utility_name"]) == (UTILITY_ID, UTILITY)


def check_exchanged(exchanged: dict[str, Any], credential_id: str) -> None:
    """What the host's backend got from POST /v1/auth/exchange for the code."""
    assert exchanged["status"] == 200, exchanged
    assert exchanged["body"]["utility_credential_id"] == credential_id, exchanged


# The webview: what the page tells the app by navigating to gridlinkconnect://…  -------------


class Webview:
    """A native app's webview, played by a Chromium page: the app sees (and would cancel) each
    navigation to gridlinkconnect://; Playwright reports them as requests."""

    def __init__(self, page: Page) -> None:
        self.page = page
        self.messages: list[tuple[str, dict[str, Any]]] = []
        page.on("request", self.seen)

    def seen(self, request: Request) -> None:
        if request.url.startswith("gridlinkconnect://"):
            where = urlsplit(request.url)
            self.messages.append((where.netloc, json.loads(unquote(where.query) or "{}")))

    def of(self, kind: str, event: str | None = None) -> list[dict[str, Any]]:
        return [
            payload
            for name, payload in self.messages
            if name == kind and (event is None or payload.get("event") == event)
        ]

    def barrier(self) -> None:
        with self.page.expect_request(re.compile("^gridlinkconnect://barrier")):
            self.page.evaluate("() => location.assign('gridlinkconnect://barrier?%7B%7D')")


# Opening and closing in each style ---------------------------------------------------------


def open_connect(
    style: str, page: Page, host: HostApp
) -> tuple[Page | FrameLocator, Webview | None]:
    """Open Connect in ``style`` up to its first screen; returns where its screens are and the
    style's observer (the Webview for "webview", else None)."""
    if style == "webview":
        webview = Webview(page)
        page.goto(host.widget_url("host-webview-user") + "&webview=1")
        expect(page.get_by_role("heading", level=1, name=CONSENT)).to_be_visible()
        return page, webview
    connect = Embedded(page)
    if style == "bare":
        page.goto(f"{host.origin}/bare.html")
        page.wait_for_function(BARE_READY_OR_ENDED)
    else:
        page.goto(f"{host.origin}/script.html" if style == "script" else f"{host.origin}/react/")
        connect.open()
        page.wait_for_function(LOADED_OR_ENDED)
    expect(connect.heading(CONSENT)).to_be_visible()
    return connect.ui, None


def wait_until_ended(
    style: str, page: Page, ui: Page | FrameLocator, webview: Webview | None
) -> None:
    """Wait for the end as the host sees it, then for the barrier behind every earlier
    message."""
    if style in LOADER_STYLES:
        wait_for_entries(page, "exit")
        # The loader removed the frame: the barrier comes from the host page itself, queued
        # behind whatever the frame had posted before it went.
        page.evaluate("() => postMessage('barrier', location.origin)")
        wait_for_entries(page, "barrier")
        return
    expect(ui.get_by_role("heading", level=1, name=CLOSED)).to_be_visible()
    if webview is not None:
        webview.barrier()
        return
    frame = page.locator("iframe").element_handle().content_frame()
    assert isinstance(frame, Frame)
    frame.evaluate("() => parent.postMessage('barrier', '*')")
    page.wait_for_function(
        "() => window.hostLog.some((e) => e.kind === 'message' && e.data === 'barrier')"
    )


# The tests ---------------------------------------------------------------------------------


@pytest.mark.parametrize("style", STYLES)
def test_a_connection_sends_one_success_then_one_exit(
    style: str, page: Page, host: HostApp
) -> None:
    ui, webview = open_connect(style, page, host)
    person = Person(ui, dom_clicks=style == "webview")
    person.connect_user_good()
    person.button("Done")
    wait_until_ended(style, page, ui, webview)

    if style in LOADER_STYLES:
        [success] = [e["payload"] for e in entries(page, "success")]
        check_success(success)
        [raw_success] = frame_messages(page, "success")
        check_envelope(raw_success)
        assert {k: v for k, v in raw_success.items() if k not in ("source", "v", "type")} == success
        [ended] = entries(page, "exit")
        assert ended["status"] == "verified"
        check_exit_metadata(ended["metadata"], utility_known=True)
        [raw_exit] = frame_messages(page, "exit")
        check_envelope(raw_exit)
        assert (raw_exit["status"], raw_exit["metadata"]) == ("verified", ended["metadata"])
        kinds = [e["kind"] for e in entries(page, "success") + entries(page, "exit")]
        assert kinds == ["success", "exit"]
        wait_for_entries(page, "exchange")
        [exchanged] = entries(page, "exchange")
        check_exchanged(exchanged, success["utility_credential_id"])
        return

    if style == "bare":
        connected_messages = frame_messages(page, "gridlink:connected")
        exits = statuses(page, "EXIT")
        user = page.evaluate("() => window.clientUserId")
    else:
        assert webview is not None
        connected_messages = webview.of("connected")
        exits = webview.of("status", "EXIT")
        user = "host-webview-user"
    assert len(connected_messages) == 1, connected_messages
    [connected] = connected_messages
    assert connected["client_user_id"] == user
    assert connected["utility_id"] == UTILITY_ID
    assert connected["utility_credential_id"].startswith("ucr_")
    assert len(exits) == 1, f"{len(exits)} EXIT messages: {exits}"
    [ended] = exits
    assert ended["metadata"]["status"] == "verified", ended
    check_exit_metadata(ended["metadata"], utility_known=True, bare=True)
    if style == "bare":
        check_envelope(connected)
        check_envelope(ended)
        # connected comes before EXIT, on the host page as sent.
        messages = [e["data"] for e in entries(page, "message")]
        assert messages.index(connected) < messages.index(ended)
        wait_for_entries(page, "exchange")
        [exchanged] = entries(page, "exchange")
    else:
        # The native app's backend exchanges the code.
        answer = host.exchange(connected["authorization_code"])
        exchanged = {"status": answer.status_code, "body": answer.json()}
    check_exchanged(exchanged, connected["utility_credential_id"])


@pytest.mark.parametrize("style", STYLES)
def test_closing_on_the_first_screen_sends_one_exit_and_no_success(
    style: str, page: Page, host: HostApp
) -> None:
    ui, webview = open_connect(style, page, host)
    Person(ui, dom_clicks=style == "webview").button("Close")
    wait_until_ended(style, page, ui, webview)

    if style in LOADER_STYLES:
        assert entries(page, "success") == frame_messages(page, "success") == []
        [ended] = entries(page, "exit")
        assert ended["status"] == "user_initiated_exit"
        check_exit_metadata(ended["metadata"], utility_known=False)
        [raw_exit] = frame_messages(page, "exit")
        check_envelope(raw_exit)
        assert raw_exit["status"] == "user_initiated_exit"
        return
    if style == "bare":
        assert frame_messages(page, "gridlink:connected") == []
        exits = statuses(page, "EXIT")
    else:
        assert webview is not None
        assert webview.of("connected") == []
        exits = webview.of("status", "EXIT")
    assert len(exits) == 1, f"{len(exits)} EXIT messages: {exits}"
    [ended] = exits
    assert ended["metadata"]["status"] == "user_initiated_exit", ended
    check_exit_metadata(ended["metadata"], utility_known=False, bare=True)
