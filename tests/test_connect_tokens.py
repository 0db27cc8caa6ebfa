from __future__ import annotations

from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from gridlink.kit import tokens
from gridlink.kit.clock import ManualClock
from gridlink.models import ConnectToken
from tests.factories import assert_error, make_client, make_credential

URL = "/v1/auth/connect_token"


async def test_create_mode_returns_an_opaque_token_valid_four_hours(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    response = await api.post(URL, json={"client_user_id": "user-1"}, auth=client.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"connect_token", "mode", "expires_at"}
    assert body["mode"] == "create"
    assert tokens.parse(body["connect_token"], tokens.TokenKind.CONNECT_TOKEN) == "sandbox"
    expected = clock.now() + timedelta(hours=4)
    assert body["expires_at"].startswith(expected.strftime("%Y-%m-%dT%H:%M:%S"))


async def test_token_is_stored_only_as_its_hash(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    response = await api.post(URL, json={"client_user_id": "user-1"}, auth=client.auth)
    token = response.json()["connect_token"]
    async with app.state.db.transaction() as session:
        rows = (await session.scalars(select(ConnectToken))).all()
    assert [row.token_hash for row in rows] == [tokens.digest(token)]
    assert rows[0].products == ["accounts", "statements", "intervals"]


async def test_update_mode_with_a_credential_id_lasts_thirty_minutes(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    credential_id = await make_credential(app, client, "user-1")
    response = await api.post(URL, json={"utility_credential_id": credential_id}, auth=client.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["mode"] == "update"
    expected = clock.now() + timedelta(minutes=30)
    assert body["expires_at"].startswith(expected.strftime("%Y-%m-%dT%H:%M:%S"))


async def test_existing_credential_at_preselected_utility_means_update_mode(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    await make_credential(app, client, "user-1", utility_id="sandbox_gas")
    same = await api.post(
        URL, json={"client_user_id": "user-1", "utility_id": "sandbox_gas"}, auth=client.auth
    )
    other = await api.post(
        URL, json={"client_user_id": "user-1", "utility_id": "sandbox_electric"}, auth=client.auth
    )
    assert same.json()["mode"] == "update"
    assert other.json()["mode"] == "create"


@pytest.mark.parametrize(
    "body",
    [{}, {"client_user_id": "u", "utility_credential_id": "ucr_x"}, {"utility_id": "sandbox_gas"}],
)
async def test_exactly_one_of_user_or_credential(
    app: FastAPI, api: httpx.AsyncClient, body: dict[str, str]
) -> None:
    client = await make_client(app)
    error = assert_error(await api.post(URL, json=body, auth=client.auth), 422, "invalid_request")
    assert error["fields"] == ["client_user_id", "utility_credential_id"]


async def test_foreign_credential_is_indistinguishable_from_unknown(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    mine = await make_client(app)
    theirs = await make_client(app, name="Other")
    foreign_id = await make_credential(app, theirs, "their-user")
    foreign = await api.post(URL, json={"utility_credential_id": foreign_id}, auth=mine.auth)
    unknown = await api.post(URL, json={"utility_credential_id": "ucr_nope"}, auth=mine.auth)
    a = assert_error(foreign, 404, "not_found")
    b = assert_error(unknown, 404, "not_found")
    assert a["message"] == b["message"]


async def test_utility_must_be_visible_to_the_client_environment(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    live = await make_client(app, environment="live")
    sandbox = await make_client(app)
    body = {"client_user_id": "u1", "utility_id": "sandbox_electric"}
    error = assert_error(await api.post(URL, json=body, auth=live.auth), 422, "invalid_request")
    assert error["fields"] == ["utility_id"]
    assert (await api.post(URL, json=body, auth=sandbox.auth)).status_code == 200
    unknown = {"client_user_id": "u1", "utility_id": "nope"}
    assert_error(await api.post(URL, json=unknown, auth=sandbox.auth), 422, "invalid_request")


@pytest.mark.parametrize(
    "candidate",
    [
        "https://app.acme.example/return/",
        "https://APP.acme.example/return",
        "https://app.acme.example:443/return",
        "https://app.acme.example/return?x=1",
        "https://app.acme.example/Return",
        "https://evil.example/return",
        "https://app.acme.example.evil.example/return",
        "https://user@app.acme.example/return",
        "http://app.acme.example/return",
        "https://app.acme.example/return#frag",
    ],
)
async def test_redirect_uri_must_match_exactly(
    app: FastAPI, api: httpx.AsyncClient, candidate: str
) -> None:
    registered = "https://app.acme.example/return"
    client = await make_client(app, redirect_uris=[registered])
    ok = await api.post(
        URL, json={"client_user_id": "u", "redirect_uri": registered}, auth=client.auth
    )
    assert ok.status_code == 200
    near_miss = await api.post(
        URL, json={"client_user_id": "u", "redirect_uri": candidate}, auth=client.auth
    )
    assert assert_error(near_miss, 422, "invalid_request")["fields"] == ["redirect_uri"]


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"client_user_id": ""}, "client_user_id"),
        ({"client_user_id": "x" * 256}, "client_user_id"),
        ({"client_user_id": "u", "products": ["bills"]}, "products.0"),
        ({"client_user_id": "u", "products": []}, "products"),
        ({"client_user_id": "u", "language": "fr"}, "language"),
        ({"client_user_id": "u", "colour": "red"}, "colour"),
    ],
)
async def test_invalid_fields_are_named(
    app: FastAPI, api: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    client = await make_client(app)
    error = assert_error(await api.post(URL, json=body, auth=client.auth), 422, "invalid_request")
    assert error["fields"] == [field]


async def test_options_are_kept_with_the_token(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    body = {
        "client_user_id": "x" * 255,
        "utility_id": "sandbox_gas",
        "products": ["accounts", "customer"],
        "language": "es",
    }
    assert (await api.post(URL, json=body, auth=client.auth)).status_code == 200
    async with app.state.db.transaction() as session:
        row = (await session.scalars(select(ConnectToken))).one()
    assert (row.utility_id, row.products, row.language, row.mode) == (
        "sandbox_gas",
        ["accounts", "customer"],
        "es",
        "create",
    )
