"""Client secrets: format, rotation with a grace period under a controllable clock."""

from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from gridlink.clients.service import (
    ClientError,
    NewClient,
    create_client,
    list_clients,
    rotate_secret,
)
from gridlink.kit import tokens
from gridlink.kit.clock import ManualClock
from tests.factories import TestClient, assert_error, make_client


async def _rotate(app: FastAPI, client_id: str, grace: timedelta) -> str:
    async with app.state.db.transaction() as session:
        rotated = await rotate_secret(session, app.state.clock, client_id, grace)
    return rotated.client_secret


async def _works(api: httpx.AsyncClient, client_id: str, secret: str) -> bool:
    response = await api.get("/v1/users", auth=(client_id, secret))
    assert response.status_code in (200, 401), response.text
    return response.status_code == 200


async def test_secrets_carry_kind_environment_and_checksum(app: FastAPI) -> None:
    sandbox = await make_client(app)
    live = await make_client(app, environment="live")
    assert tokens.parse(sandbox.secret, tokens.TokenKind.CLIENT_SECRET) == "sandbox"
    assert tokens.parse(live.secret, tokens.TokenKind.CLIENT_SECRET) == "live"
    assert tokens.parse(live.secret, tokens.TokenKind.ACCESS_TOKEN) is None


async def test_old_secret_works_during_grace_then_stops(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    new_secret = await _rotate(app, client.id, timedelta(hours=24))
    assert new_secret != client.secret
    assert await _works(api, client.id, client.secret)
    assert await _works(api, client.id, new_secret)
    clock.advance(timedelta(hours=23, minutes=59))
    assert await _works(api, client.id, client.secret)
    clock.advance(timedelta(minutes=2))
    assert not await _works(api, client.id, client.secret)
    assert await _works(api, client.id, new_secret)


async def test_zero_grace_revokes_at_once_with_its_access_tokens(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    grant = await api.post(
        "/v1/auth/token", data={"grant_type": "client_credentials"}, auth=client.auth
    )
    bearer = {"Authorization": f"Bearer {grant.json()['access_token']}"}
    assert (await api.get("/v1/users", headers=bearer)).status_code == 200
    new_secret = await _rotate(app, client.id, timedelta(0))
    assert not await _works(api, client.id, client.secret)
    assert_error(await api.get("/v1/users", headers=bearer), 401, "unauthorized")
    assert await _works(api, client.id, new_secret)


async def test_rotating_twice_never_extends_an_earlier_deadline(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    second = await _rotate(app, client.id, timedelta(hours=1))
    clock.advance(timedelta(minutes=30))
    await _rotate(app, client.id, timedelta(hours=24))
    clock.advance(timedelta(minutes=31))
    assert not await _works(api, client.id, client.secret)  # its 1 h grace ended
    assert await _works(api, client.id, second)  # the 24 h grace applies to the second one


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        (NewClient("", ["https://a.example"], []), "name"),
        (NewClient("A", [], []), "--origin"),
        (NewClient("A", ["https://a.example/path"], []), "nothing after"),
        (NewClient("A", ["ftp://a.example"], []), "not an origin"),
        (NewClient("A", ["https://A.example"], []), "lower-case"),
        (NewClient("A", ["http://a.example"], [], "live"), "https"),
        (NewClient("A", ["https://a.example"], ["http://a.example/cb"], "live"), "https"),
        (NewClient("A", ["https://a.example"], ["/relative"]), "absolute"),
        (NewClient("A", ["https://a.example"], [], "staging"), "environment"),
        (NewClient("A", ["https://a.example"], [], logo_url="http://a.example/l.png"), "https"),
        (NewClient("A", ["https://a.example"], [], logo_url="logo.png"), "image URL"),
        (NewClient("A", ["https://a.example"], [], accent_color="blue"), "colour"),
        (NewClient("A", ["https://a.example"], [], accent_color="#12345"), "colour"),
    ],
)
async def test_bad_client_specs_are_refused_with_a_reason(
    app: FastAPI, spec: NewClient, message: str
) -> None:
    with pytest.raises(ClientError, match=message):
        async with app.state.db.transaction() as session:
            await create_client(session, app.state.clock, spec)


async def test_branding_is_checked_and_stored(app: FastAPI) -> None:
    spec = NewClient(
        "Acme",
        ["https://a.example"],
        [],
        logo_url="https://cdn.a.example/logo.svg",
        accent_color="#1A73E8",
    )
    async with app.state.db.transaction() as session:
        created = await create_client(session, app.state.clock, spec)
    async with app.state.db.transaction() as session:
        summaries = await list_clients(session, app.state.clock)
    mine = next(s for s in summaries if s.client_id == created.client_id)
    assert (mine.logo_url, mine.accent_color) == ("https://cdn.a.example/logo.svg", "#1a73e8")


async def test_sandbox_and_live_clients_see_their_own_utilities(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    sandbox: TestClient = await make_client(app)
    live: TestClient = await make_client(app, environment="live")
    seen_by_sandbox = (await api.get("/v1/utilities", auth=sandbox.auth)).json()["data"]
    seen_by_live = (await api.get("/v1/utilities", auth=live.auth)).json()["data"]
    assert seen_by_sandbox
    assert {u["environment"] for u in seen_by_sandbox} == {"sandbox"}
    assert all(u["environment"] == "live" for u in seen_by_live)
