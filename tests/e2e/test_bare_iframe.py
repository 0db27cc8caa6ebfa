"""Bare-iframe mode in Chromium: a host page on another origin frames the URL from
POST /v1/widget_url; Connect posts gridlink:connected to that exact origin and never to another.

The host server answers as two origins, http://127.0.0.1:PORT and http://localhost:PORT, both
registered for the host's client; the URL names the first as its target_origin.
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Page, expect

from tests.e2e.flows import Connect
from tests.e2e.harness import Server
from tests.e2e.host import host_server
from tests.e2e.screens import Screens


@pytest.fixture(scope="module")
def host(server: Server) -> Iterator[dict[str, Any]]:
    with host_server() as port:
        target, other = f"http://127.0.0.1:{port}", f"http://localhost:{port}"
        made = json.loads(
            server.cli(
                "clients", "create", "Host app", "--origin", target, "--origin", other, "--json"
            )
        )
        yield {"target": target, "other": other, "auth": (made["client_id"], made["client_secret"])}


def widget_url(server: Server, host: dict[str, Any], user: str) -> str:
    response = httpx.post(
        f"{server.url}/v1/widget_url",
        json={"client_user_id": user, "language": "en", "target_origin": host["target"]},
        auth=host["auth"],
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 200, response.text
    return str(response.json()["url"])


def frame_from(page: Page, origin: str, url: str) -> None:
    page.goto(f"{origin}/host.html#url={quote(url, safe='')}")


def received(page: Page) -> list[dict[str, Any]]:
    return list(page.evaluate("() => window.received"))


def link_in_frame(connect: Connect) -> None:
    connect.consent()
    connect.choose_utility()
    connect.sign_in("user_good")
    connect.success()


def test_connected_is_posted_to_the_target_origin(
    page: Page, server: Server, host: dict[str, Any], screens: Screens
) -> None:
    frame_from(page, host["target"], widget_url(server, host, "host-user-1"))
    connect = Connect(page, screens)
    link_in_frame(connect)
    page.wait_for_function(
        "() => window.received.some((m) => m.data && m.data.type === 'gridlink:connected')"
    )
    messages = received(page)
    assert {m["origin"] for m in messages} == {server.url}
    statuses = [m["data"]["event"] for m in messages if m["data"]["type"] == "gridlink:status"]
    assert statuses[:3] == ["OPEN", "TRANSITION_VIEW", "READY"]
    [connected] = [m["data"] for m in messages if m["data"]["type"] == "gridlink:connected"]
    assert connected["source"] == "gridlink"
    assert connected["client_user_id"] == "host-user-1"
    assert connected["utility_id"] == "sandbox_electric"
    # The host's backend confirms the code with its own secret.
    exchanged = httpx.post(
        f"{server.url}/v1/auth/exchange",
        json={"authorization_code": connected["authorization_code"]},
        auth=host["auth"],
    )
    assert exchanged.status_code == 200, exchanged.text
    assert exchanged.json()["utility_credential_id"] == connected["utility_credential_id"]


def test_a_page_on_another_origin_gets_no_message(
    page: Page, server: Server, host: dict[str, Any]
) -> None:
    # Framing is allowed (the origin is registered), but the URL's messages go to target only.
    frame_from(page, host["other"], widget_url(server, host, "host-user-2"))
    connect = Connect(page)
    link_in_frame(connect)
    connect.button("Done").click()
    expect(connect.ui.get_by_role("heading", level=1)).to_have_text("Connect is closed")
    assert received(page) == []


def test_an_unregistered_origin_cannot_frame_connect(page: Page, server: Server) -> None:
    with host_server() as port:
        sandbox = httpx.BasicAuth(server.client_id, server.client_secret)
        response = httpx.post(
            f"{server.url}/v1/widget_url",
            json={
                "client_user_id": "host-user-3",
                "language": "en",
                "target_origin": server.url,
            },
            auth=sandbox,
        )
        assert response.status_code == 200, response.text
        # frame-ancestors names only the sandbox client's origins: Chromium refuses to show
        # the page in the frame (and says why on the console), so Connect never runs there.
        with page.expect_event(
            "console", predicate=lambda m: "frame-ancestors" in m.text and "blocked" in m.text
        ):
            frame_from(page, f"http://127.0.0.1:{port}", response.json()["url"])
        assert [f.url for f in page.frames[1:]] == ["chrome-error://chromewebdata/"]
        assert received(page) == []
