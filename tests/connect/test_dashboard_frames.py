"""Connect opened inside the operator dashboard: a connect token an operator made opens Connect
from this server's own origin for any client (the dashboard is served here), and the framed
page lets this origin frame it. A client backend's token gets no such exception."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from gridlink.clients.service import in_process_client
from gridlink.connect.schemas import ConnectTokenRequest
from gridlink.connect.service import create_connect_token
from gridlink.kit.clock import Clock
from gridlink.kit.db import Database
from tests.attempts.flows import connect_token
from tests.connect.test_frames import HOST, OTHER, frame
from tests.factories import TestClient, assert_error, make_client

OWN = "http://127.0.0.1:8080"  # the test settings' public URL
REQUEST_HOST = "http://testserver"  # where the in-process client sends its requests


async def operator_token(app: FastAPI, client: TestClient, operator_id: str | None) -> str:
    db: Database = app.state.db
    clock: Clock = app.state.clock
    async with db.transaction() as session:
        acting = await in_process_client(session, client.id)
        assert acting is not None
        made = await create_connect_token(
            session,
            clock,
            acting,
            ConnectTokenRequest(client_user_id="end-user-1"),
            operator_id=operator_id,
        )
    return made.connect_token


async def test_an_operators_token_opens_from_this_servers_origins(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app, origins=[HOST])
    for origin in (OWN, REQUEST_HOST):
        response = await frame(
            api, await operator_token(app, client, "opr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S"), origin
        )
        assert response.status_code == 200, response.text
        assert "&via=dashboard" in response.json()["frame_url"]


async def test_a_client_backends_token_never_opens_from_this_servers_origin(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app, origins=[HOST])
    for token in (
        await operator_token(app, client, None),
        await connect_token(api, client, client_user_id="u1"),
    ):
        assert_error(await frame(api, token, OWN), 403, "forbidden")
        registered = await frame(api, token, HOST)
        assert registered.status_code == 200
        assert "via=dashboard" not in registered.json()["frame_url"]


async def test_an_operators_token_is_still_refused_on_a_foreign_origin(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app, origins=[HOST])
    token = await operator_token(app, client, "opr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S")
    assert_error(await frame(api, token, OTHER), 403, "forbidden")


def _ancestors(response: httpx.Response) -> str:
    policy = response.headers["content-security-policy"]
    return next(p for p in policy.split("; ") if p.startswith("frame-ancestors")).split(" ", 1)[1]


async def test_the_framed_page_lets_this_origin_frame_it_only_via_the_dashboard(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app, origins=[HOST])
    plain = await api.get(f"/connect/frame?client={client.id}")
    assert _ancestors(plain) == HOST
    dashboard = await api.get(f"/connect/frame?client={client.id}&via=dashboard")
    assert _ancestors(dashboard) == f"{HOST} 'self'"
    unknown = await api.get("/connect/frame?client=cli_nobody&via=dashboard")
    assert _ancestors(unknown) == "'self'"
