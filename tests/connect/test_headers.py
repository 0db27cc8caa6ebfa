"""Headers of everything under /connect, the framed page's CSP, and no ticket or token in a
Location header or a log line."""

from __future__ import annotations

import io
import logging
import re
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from gridlink.kit.logging import configure_logging
from tests.attempts.flows import connect_token
from tests.factories import make_client

HOST = "https://app.acme.example"
LOCAL = "http://localhost:3000"
BASE = {
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
    "cross-origin-opener-policy": "same-origin-allow-popups",
}


def assert_base_headers(response: httpx.Response) -> None:
    for name, value in BASE.items():
        assert response.headers[name] == value, (response.url, name)


async def test_every_connect_response_carries_the_headers(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    responses = [
        await api.get("/connect/frame"),
        await api.get("/connect/api/session"),  # 401: errors carry them too
        await api.post("/connect/api/sessions", json={}),
        await api.post("/connect/api/frames", json={"connect_token": "nope"}),
    ]
    for response in responses:
        assert_base_headers(response)
    health = await api.get("/healthz")  # the /connect-only ones (tests/test_security_headers.py)
    assert "cross-origin-opener-policy" not in health.headers


async def test_the_frame_page_is_framed_only_by_the_clients_origins(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app, origins=[HOST, LOCAL])
    response = await api.get("/connect/frame", params={"client": client.id})
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    policy, _, ancestors = response.headers["content-security-policy"].rpartition(
        "; frame-ancestors "
    )
    assert policy == (
        "default-src 'self'; script-src 'self'; object-src 'none'; base-uri 'none'; img-src 'self'"
    )
    assert sorted(ancestors.split(" ")) == sorted([HOST, LOCAL])  # exactly its origins
    assert_base_headers(response)
    # Nothing inline for the CSP to allow: one external module script, no style attribute.
    assert re.findall(r"<script[^>]*>(.*?)</script>", response.text, re.S) == [""]
    assert re.search(r"<script[^>]* src=", response.text)
    assert "style=" not in response.text


@pytest.mark.parametrize("query", [{}, {"client": "cli_unknown"}, {"client": ""}])
async def test_an_unknown_client_may_be_framed_by_nobody(
    api: httpx.AsyncClient, query: dict[str, str]
) -> None:
    response = await api.get("/connect/frame", params=query)
    assert response.status_code == 200
    assert response.headers["content-security-policy"].endswith("frame-ancestors 'none'")


@pytest.fixture
def log_lines() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    configure_logging("debug", stream)
    try:
        yield stream
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


async def test_no_ticket_or_token_in_a_location_header_or_a_log_line(
    app: FastAPI, api: httpx.AsyncClient, log_lines: io.StringIO
) -> None:
    client = await make_client(app, origins=[HOST])
    token = await connect_token(api, client, client_user_id="u1")
    framed = await api.post(
        "/connect/api/frames", json={"connect_token": token}, headers={"Origin": HOST}
    )
    ticket = framed.json()["frame_url"].split("#ticket=", 1)[1]
    url = await api.post(
        "/v1/widget_url", json={"client_user_id": "u2", "target_origin": HOST}, auth=client.auth
    )
    second_ticket = url.json()["url"].split("#ticket=", 1)[1]
    started = await api.post("/connect/api/sessions", json={"frame_ticket": ticket})
    bearer = started.json()["session_token"]
    responses = [
        framed,
        url,
        started,
        await api.get("/connect/frame", params={"client": client.id}),
        await api.post("/connect/api/sessions", json={"frame_ticket": ticket}),
    ]
    assert all("location" not in r.headers for r in responses)
    logged = log_lines.getvalue()
    assert "frame ticket issued" in logged  # the capture works: our records reach it
    for secret in (token, ticket, second_ticket, bearer):
        assert secret not in logged
