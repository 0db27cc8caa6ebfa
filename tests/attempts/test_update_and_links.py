"""Update mode, connect links, the sandbox shortcut and the abuse limits."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI

from gridlink.kit import tokens
from gridlink.kit.clock import ManualClock
from gridlink.kit.ids import new_id
from gridlink.models import ConnectLink
from tests.attempts.flows import connect_token, open_session, sign_in
from tests.attempts.test_scenarios import credential
from tests.factories import assert_error, make_client

SHORTCUT = "/v1/sandbox/utility_credentials"


async def test_update_mode_repairs_the_same_credential(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    _w, first = await sign_in(api, client, "user_good")
    credential_id = first["utility_credential_id"]
    token = await connect_token(api, client, utility_credential_id=credential_id)
    widget = await open_session(api, token)
    assert (widget.data["mode"], widget.data["step"]) == ("update", "credentials")
    wrong = await widget.follow(await widget.submit("user_good", "bad"))
    assert wrong["status"] == "rejected"
    assert (await credential(app, credential_id)).status == "verified"  # old login kept
    fixed = await widget.follow(await widget.submit("user_good", "pass_good"))
    assert fixed["status"] == "verified"
    assert fixed["utility_credential_id"] == credential_id


async def _link(app: FastAPI, client_id: str, credential_id: str, clock: ManualClock) -> str:
    value = tokens.generate(tokens.TokenKind.CONNECT_LINK, "sandbox")
    async with app.state.db.transaction() as session:
        session.add(
            ConnectLink(
                id=new_id("cln"),
                client_id=client_id,
                credential_id=credential_id,
                token_hash=tokens.digest(value),
                created_at=clock.now(),
                expires_at=clock.now() + timedelta(hours=72),
            )
        )
    return value


async def test_a_connect_link_opens_update_mode_once(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    _w, first = await sign_in(api, client, "user_good")
    link = await _link(app, client.id, first["utility_credential_id"], clock)
    widget = await open_session(api, link, link=True)
    assert widget.data["mode"] == "update"
    done = await widget.follow(await widget.submit("user_good", "pass_good"))
    assert done["status"] == "verified"
    reuse = await api.post("/connect/api/sessions", json={"connect_link_token": link})
    assert_error(reuse, 401, "token_invalid")


async def test_an_expired_connect_link_is_refused(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    _w, first = await sign_in(api, client, "user_good")
    link = await _link(app, client.id, first["utility_credential_id"], clock)
    clock.advance(timedelta(hours=72, seconds=1))
    response = await api.post("/connect/api/sessions", json={"connect_link_token": link})
    assert_error(response, 401, "token_invalid")


async def test_three_failed_sign_ins_end_the_session(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    token = await connect_token(api, client, client_user_id="u", utility_id="sandbox_electric")
    widget = await open_session(api, token)
    for _ in range(3):
        assert (await widget.follow(await widget.submit("user_good", "x")))["status"] == "rejected"
    fourth = await widget.post("/attempts", {"username": "user_good", "password": "pass_good"})
    assert_error(fourth, 429, "rate_limited")


async def test_sandbox_shortcut_runs_the_same_attempt(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    body = {
        "client_user_id": "ci-user",
        "utility_id": "sandbox_electric",
        "username": "user_mfa_sms",
        "password": "pass_good",
        "mfa_code": "123456",
    }
    response = await api.post(SHORTCUT, json=body, auth=client.auth)
    assert response.status_code == 200, response.text
    result = response.json()
    assert result["status"]["status"] == "verified"
    assert result["attempt"]["status"] == "verified"
    wrong = await api.post(
        SHORTCUT, json={**body, "client_user_id": "ci-2", "mfa_code": "000000"}, auth=client.auth
    )
    assert wrong.json()["status"]["status"] != "verified"


async def test_sandbox_shortcut_is_not_there_for_live_clients(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    live = await make_client(app, environment="live")
    body = {
        "client_user_id": "u",
        "utility_id": "sandbox_electric",
        "username": "user_good",
        "password": "pass_good",
    }
    assert_error(await api.post(SHORTCUT, json=body, auth=live.auth), 404, "not_found")
