from __future__ import annotations

import base64
from datetime import timedelta

import httpx
import pytest
from authlib.integrations.httpx_client import AsyncOAuth2Client
from fastapi import FastAPI

from gridlink.kit import tokens
from gridlink.kit.clock import ManualClock
from tests.factories import assert_error, make_client

TOKEN_URL = "/v1/auth/token"


async def test_form_body_grant(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    response = await api.post(
        TOKEN_URL,
        data={
            "grant_type": "client_credentials",
            "client_id": client.id,
            "client_secret": client.secret,
        },
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["expires_in"] == 3600
    assert tokens.parse(body["access_token"], tokens.TokenKind.ACCESS_TOKEN) == "sandbox"


async def test_json_body_and_basic_grants(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app, environment="live")
    as_json = await api.post(
        TOKEN_URL,
        json={
            "grant_type": "client_credentials",
            "client_id": client.id,
            "client_secret": client.secret,
        },
    )
    as_basic = await api.post(
        TOKEN_URL, data={"grant_type": "client_credentials"}, auth=client.auth
    )
    for response in (as_json, as_basic):
        assert response.status_code == 200, response.text
        assert response.json()["access_token"].startswith("glat_live_")
    assert as_json.json()["access_token"] != as_basic.json()["access_token"]


async def test_a_standard_oauth_client_gets_a_token(app: FastAPI) -> None:
    """Authlib (an independent OAuth 2.0 client) completes the client-credentials grant."""
    client = await make_client(app)
    transport = httpx.ASGITransport(app=app)
    async with AsyncOAuth2Client(
        client_id=client.id,
        client_secret=client.secret,
        transport=transport,
        base_url="http://testserver",
    ) as oauth:
        token = await oauth.fetch_token(
            "http://testserver/v1/auth/token", grant_type="client_credentials"
        )
        assert token["token_type"] == "bearer"
        response = await oauth.get("http://testserver/v1/users")
    assert response.status_code == 200, response.text


async def test_bearer_token_authenticates_and_expires_after_an_hour(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    grant = await api.post(TOKEN_URL, data={"grant_type": "client_credentials"}, auth=client.auth)
    headers = {"Authorization": f"Bearer {grant.json()['access_token']}"}
    assert (await api.get("/v1/users", headers=headers)).status_code == 200
    clock.advance(timedelta(minutes=59, seconds=59))
    assert (await api.get("/v1/users", headers=headers)).status_code == 200
    clock.advance(timedelta(seconds=2))
    assert_error(await api.get("/v1/users", headers=headers), 401, "unauthorized")


@pytest.mark.parametrize(
    "data",
    [
        {"grant_type": "password", "username": "x", "password": "y"},
        {"client_id": "cli_x", "client_secret": "y"},
    ],
)
async def test_only_client_credentials_grant(
    app: FastAPI, api: httpx.AsyncClient, data: dict[str, str]
) -> None:
    await make_client(app)
    error = assert_error(await api.post(TOKEN_URL, data=data), 422, "invalid_request")
    assert "grant_type" in (error.get("fields") or [])


async def test_both_authentication_methods_at_once_is_refused(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    data = {
        "grant_type": "client_credentials",
        "client_id": client.id,
        "client_secret": client.secret,
    }
    response = await api.post(TOKEN_URL, data=data, auth=client.auth)
    assert_error(response, 422, "invalid_request")


async def test_wrong_unknown_and_foreign_secrets_look_alike(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    mine = await make_client(app)
    theirs = await make_client(app, name="Other")
    forged = tokens.generate(tokens.TokenKind.CLIENT_SECRET, "sandbox")
    attempts = [
        (mine.id, forged),  # well-formed, unknown
        (mine.id, theirs.secret),  # another client's real secret
        ("cli_unknown", mine.secret),  # unknown client id
        (mine.id, mine.secret[:-1] + ("A" if mine.secret[-1] != "A" else "B")),  # bad checksum
        (mine.id, "not-a-secret"),
    ]
    bodies = set()
    for client_id, secret in attempts:
        data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        error = assert_error(await api.post(TOKEN_URL, data=data), 401, "unauthorized")
        bodies.add(error["message"])
        direct = await api.get("/v1/users", auth=(client_id, secret))
        bodies.add(assert_error(direct, 401, "unauthorized")["message"])
    assert len(bodies) == 1


@pytest.mark.parametrize(
    "header",
    [
        "Bearer ",
        "Bearer glat_sandbox_nope",
        "Basic !!!notbase64",
        "Basic " + base64.b64encode(b"no-colon").decode(),
        "Digest abc",
        "Token abc",
    ],
)
async def test_malformed_authorization_headers(
    app: FastAPI, api: httpx.AsyncClient, header: str
) -> None:
    response = await api.get("/v1/users", headers={"Authorization": header})
    assert_error(response, 401, "unauthorized")
    assert "Basic" in response.headers["www-authenticate"]


async def test_missing_credentials_says_how_to_authenticate(api: httpx.AsyncClient) -> None:
    error = assert_error(await api.get("/v1/users"), 401, "unauthorized")
    assert "POST /v1/auth/token" in str(error["message"])


async def test_percent_encoded_basic_credentials(app: FastAPI, api: httpx.AsyncClient) -> None:
    """RFC 6749 §2.3.1: Basic credentials are form-encoded first; decoding must be tolerated."""
    client = await make_client(app)
    raw = f"{client.id}:{client.secret}".replace("_", "%5F")
    header = "Basic " + base64.b64encode(raw.encode()).decode()
    assert (await api.get("/v1/users", headers={"Authorization": header})).status_code == 200
