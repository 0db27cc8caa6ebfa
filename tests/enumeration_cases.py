"""Refused secrets of every kind, built through the real services (security control 36).

Used by tests/test_enumeration.py (answers and SQL statements alike) and bench/enumeration.py
(how long each refusal takes). Each builder returns the requests that must all be refused alike:
a malformed value (another kind's token, one character short, a broken checksum, a non-ASCII
character, no token at all), a well-formed one never issued or of the other environment, and a
real one that expired, was spent or revoked, or is another client's. Every request is refused
and changes nothing, so each can be sent any number of times. A builder moves the clock once, at
its start, to expire what it made before; what it makes afterwards is unexpired, so each case is
refused for its own reason alone.
"""

from __future__ import annotations

import base64
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import httpx
from fastapi import FastAPI

from gridlink.auth.service import ACCESS_TOKEN_TTL, AUTHORIZATION_CODE_TTL
from gridlink.clients.service import rotate_secret
from gridlink.connect.frames import TICKET_TTL
from gridlink.connect.repository import ConnectTokenRepository
from gridlink.kit import tokens
from gridlink.kit.clock import ManualClock
from gridlink.kit.ids import new_id
from gridlink.links.service import mark_link_used
from tests.attempts.flows import connect_token, open_session
from tests.credentials.helpers import add_attempt, add_credential
from tests.factories import TestClient, make_client

HOST = "https://app.acme.example"
Kind = tokens.TokenKind
# The reference every other case is compared with: well-formed, looked up, not found.
NEVER_ISSUED = "never issued"

Send = Callable[[], Awaitable[httpx.Response]]


@dataclass(frozen=True)
class Refusals:
    """Requests that must get one answer (``status``) after one lookup in ``table``."""

    name: str
    status: int
    table: str
    sends: dict[str, Send]


def malformed(real: str, kind: Kind) -> dict[str, str]:
    """Values ``tokens.parse`` refuses, most a near miss of ``real``, and well-formed ones of
    ``kind`` never issued."""
    other = Kind.CLIENT_SECRET if kind is not Kind.CLIENT_SECRET else Kind.ACCESS_TOKEN
    return {
        NEVER_ISSUED: tokens.generate(kind, "sandbox"),
        "other environment": tokens.generate(kind, "live"),
        "another kind's token": tokens.generate(other, "sandbox"),
        "one character short": real[:-1],
        "checksum broken": real[:-1] + ("A" if real[-1] != "A" else "B"),
        "non-ASCII": real[:-1] + "é",
        "not a token": "not-a-token",
    }


def basic(client_id: str, secret: str) -> dict[bytes, bytes]:
    return {b"Authorization": b"Basic " + base64.b64encode(f"{client_id}:{secret}".encode())}


def bearer(value: str) -> dict[bytes, bytes]:
    return {b"Authorization": b"Bearer " + value.encode()}


def _clock(app: FastAPI) -> ManualClock:
    clock: ManualClock = app.state.clock
    return clock


async def _rotate_out(app: FastAPI, client: TestClient) -> None:
    """Rotate the client's secret with no grace: the old one (and its tokens) stop at once."""
    async with app.state.db.transaction() as session:
        await rotate_secret(session, app.state.clock, client.id, timedelta(0))


async def client_secrets(app: FastAPI, api: httpx.AsyncClient) -> list[Refusals]:
    """HTTP Basic on /v1, and the token endpoint's body fields."""
    mine = await make_client(app)
    theirs = await make_client(app, name="Other")
    rotated = await make_client(app, name="Rotated")
    await _rotate_out(app, rotated)
    pairs = {label: (mine.id, v) for label, v in malformed(mine.secret, Kind.CLIENT_SECRET).items()}
    pairs |= {
        "another client's secret": (mine.id, theirs.secret),
        "unknown client id": (new_id("cli"), mine.secret),
        "client id too long": ("c" * 41, mine.secret),
        "rotated out": (rotated.id, rotated.secret),
    }

    def by_header(header: dict[bytes, bytes]) -> Send:
        return lambda: api.get("/v1/users", headers=header)

    def by_form(client_id: str, secret: str) -> Send:
        data = {"grant_type": "client_credentials", "client_id": client_id, "client_secret": secret}
        return lambda: api.post("/v1/auth/token", data=data)

    headers = {label: basic(*pair) for label, pair in pairs.items()}
    headers |= {
        "NUL in the client id": basic("cli\x00", mine.secret),
        "Basic not base64": {b"Authorization": b"Basic !!!"},
        "Basic without a colon": {b"Authorization": b"Basic " + base64.b64encode(b"no-colon")},
    }
    return [
        Refusals(
            "client secret (Basic)",
            401,
            "client_secrets",
            {label: by_header(h) for label, h in headers.items()},
        ),
        Refusals(
            "client secret (POST /v1/auth/token)",
            401,
            "client_secrets",
            {label: by_form(*pair) for label, pair in pairs.items()},
        ),
    ]


async def access_tokens(app: FastAPI, api: httpx.AsyncClient) -> list[Refusals]:
    async def access_token(client: TestClient) -> str:
        data = {"grant_type": "client_credentials"}
        response = await api.post("/v1/auth/token", data=data, auth=client.auth)
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    expired = await access_token(await make_client(app))
    _clock(app).advance(ACCESS_TOKEN_TTL + timedelta(seconds=1))
    revoked_client = await make_client(app, name="Rotated")
    revoked = await access_token(revoked_client)
    await _rotate_out(app, revoked_client)
    values = malformed(revoked, Kind.ACCESS_TOKEN)
    values |= {"expired": expired, "its client secret rotated out": revoked}
    sends: dict[str, Send] = {
        label: (lambda v=value: api.get("/v1/users", headers=bearer(v)))
        for label, value in values.items()
    }
    return [Refusals("access token", 401, "access_tokens", sends)]


async def authorization_codes(app: FastAPI, api: httpx.AsyncClient) -> list[Refusals]:
    client = await make_client(app)
    other = await make_client(app, name="Other")

    async def code_of(owner: TestClient) -> str:
        code = tokens.generate(Kind.AUTHORIZATION_CODE, "sandbox")
        await add_attempt(app, owner, await add_credential(app, owner, "user-1"), code=code)
        return code

    def exchange(code: str) -> Send:
        body = {"authorization_code": code}
        return lambda: api.post("/v1/auth/exchange", json=body, auth=client.auth)

    expired = await code_of(client)
    _clock(app).advance(AUTHORIZATION_CODE_TTL)  # exactly 10 minutes: expired
    used, foreign = await code_of(client), await code_of(other)
    assert (await exchange(used)()).status_code == 200
    values = malformed(used, Kind.AUTHORIZATION_CODE)
    values |= {"used": used, "expired": expired, "another client's": foreign, "empty": ""}
    sends = {label: exchange(value) for label, value in values.items()}
    return [Refusals("authorization code", 400, "connection_attempts", sends)]


async def _spend(app: FastAPI, token: str) -> None:
    """What a success with the token does to it (ConnectTokenRepository.mark_used)."""
    now = app.state.clock.now()
    async with app.state.db.transaction() as session:
        repo = ConnectTokenRepository(session)
        row = await repo.lock_openable(tokens.digest(token), now)
        assert row is not None
        assert await repo.mark_used(row.id, now)


async def connect_tokens(app: FastAPI, api: httpx.AsyncClient) -> list[Refusals]:
    """Both ways a connect token opens Connect: the widget API and the loader's frames call."""
    client = await make_client(app, origins=[HOST])
    expired = await connect_token(api, client, client_user_id="expired")
    _clock(app).advance(timedelta(hours=4, seconds=1))
    spent = await connect_token(api, client, client_user_id="spent")
    await _spend(app, spent)
    deleted = await connect_token(api, client, client_user_id="deleted")
    assert (await api.delete("/v1/users/deleted", auth=client.auth)).status_code == 204
    values = malformed(spent, Kind.CONNECT_TOKEN)
    values |= {"expired": expired, "spent": spent, "its user deleted": deleted}

    def start(value: str) -> Send:
        return lambda: api.post("/connect/api/sessions", json={"connect_token": value})

    def frame(value: str) -> Send:
        json, headers = {"connect_token": value}, {"Origin": HOST}
        return lambda: api.post("/connect/api/frames", json=json, headers=headers)

    return [
        Refusals(
            "connect token (POST /connect/api/sessions)",
            401,
            "connect_tokens",
            {label: start(value) for label, value in values.items()},
        ),
        Refusals(
            "connect token (POST /connect/api/frames)",
            401,
            "connect_tokens",
            {label: frame(value) for label, value in values.items()},
        ),
    ]


async def _link(api: httpx.AsyncClient, client: TestClient, credential_id: str) -> tuple[str, str]:
    """(id, token) of a new connect link for the credential."""
    made = await api.post(f"/v1/utility_credentials/{credential_id}/connect_link", auth=client.auth)
    assert made.is_success, made.text
    return str(made.json()["id"]), str(made.json()["url"]).split("#token=", 1)[1]


async def connect_links(app: FastAPI, api: httpx.AsyncClient) -> list[Refusals]:
    client = await make_client(app)
    credential = await add_credential(app, client, "user-1")
    _, expired = await _link(api, client, credential)
    _clock(app).advance(timedelta(hours=72, seconds=1))
    (used_id, used), (revoked_id, revoked) = [await _link(api, client, credential) for _ in "ab"]
    async with app.state.db.transaction() as session:
        assert await mark_link_used(session, app.state.clock, used_id)
    assert (await api.delete(f"/v1/connect_links/{revoked_id}", auth=client.auth)).is_success
    values = malformed(used, Kind.CONNECT_LINK)
    values |= {"expired": expired, "used": used, "revoked": revoked}
    sends: dict[str, Send] = {
        label: (lambda v=value: api.post("/connect/api/sessions", json={"connect_link_token": v}))
        for label, value in values.items()
    }
    return [Refusals("connect link", 401, "connect_links", sends)]


async def frame_tickets(app: FastAPI, api: httpx.AsyncClient) -> list[Refusals]:
    client = await make_client(app, origins=[HOST])

    async def ticket() -> str:
        token = await connect_token(api, client, client_user_id="user-1")
        opened = await api.post(
            "/connect/api/frames", json={"connect_token": token}, headers={"Origin": HOST}
        )
        assert opened.status_code == 200, opened.text
        return str(opened.json()["frame_url"]).split("#ticket=", 1)[1]

    def start(value: str) -> Send:
        return lambda: api.post("/connect/api/sessions", json={"frame_ticket": value})

    expired = await ticket()
    _clock(app).advance(TICKET_TTL + timedelta(seconds=1))
    used = await ticket()
    assert (await start(used)()).status_code == 200
    values = malformed(used, Kind.WIDGET_TOKEN) | {"expired": expired, "used": used}
    sends = {label: start(value) for label, value in values.items()}
    return [Refusals("frame ticket", 401, "connect_sessions", sends)]


async def connect_session_bearers(app: FastAPI, api: httpx.AsyncClient) -> list[Refusals]:
    client = await make_client(app)
    token = await connect_token(api, client, client_user_id="u")
    expired = (await open_session(api, token, consent=False)).bearer
    _clock(app).advance(timedelta(hours=4, seconds=1))
    link_id, link = await _link(api, client, await add_credential(app, client, "user-1"))
    ended = (await open_session(api, link, consent=False, link=True)).bearer
    assert (await api.delete(f"/v1/connect_links/{link_id}", auth=client.auth)).is_success
    values = malformed(ended, Kind.CONNECT_SESSION)
    values |= {"expired": expired, "ended (its link revoked)": ended}
    sends: dict[str, Send] = {
        label: (lambda v=value: api.get("/connect/api/session", headers=bearer(v)))
        for label, value in values.items()
    }
    return [Refusals("Connect session bearer", 401, "connect_sessions", sends)]


BUILDERS = {
    "client_secrets": client_secrets,
    "access_tokens": access_tokens,
    "authorization_codes": authorization_codes,
    "connect_tokens": connect_tokens,
    "connect_links": connect_links,
    "frame_tickets": frame_tickets,
    "connect_session_bearers": connect_session_bearers,
}
