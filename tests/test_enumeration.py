"""Control 36: every refusal of a presented secret reads the same and costs the same work.

For each kind of secret, a malformed value (another kind's token, one character short, a broken
checksum, a non-ASCII character, no token at all), a well-formed one never issued or of the other
environment, and a real one that expired, was spent or revoked, or is another client's, get
byte-identical answers (bar the request id) after the same SQL statements, in the same order.

Timing is not asserted (the suite has no timed assertions; bench/enumeration.py prints it). The
statements are its deterministic part: a value refused before the lookup answers without one, and
these tests see that. Refusals that only the holder of a real, unexpired secret can provoke are
out of scope: a connect token or link worn out by failed sign-ins costs one more query (counting
them), as does a live frame ticket whose session was closed (reading the session).
"""

from __future__ import annotations

import base64
import contextlib
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI
from sqlalchemy import Engine, event

from gridlink.auth.service import ACCESS_TOKEN_TTL, AUTHORIZATION_CODE_TTL
from gridlink.clients.service import rotate_secret
from gridlink.connect.frames import TICKET_TTL
from gridlink.connect.repository import ConnectTokenRepository
from gridlink.kit import tokens
from gridlink.kit.clock import ManualClock
from gridlink.kit.db import Database
from gridlink.kit.ids import new_id
from gridlink.links.service import mark_link_used
from tests.attempts.flows import connect_token, open_session
from tests.credentials.helpers import add_attempt, add_credential
from tests.factories import TestClient, make_client

HOST = "https://app.acme.example"
Kind = tokens.TokenKind


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    # Each SQL statement the request ran, whitespace collapsed, without its parameters.
    statements: tuple[str, ...]


def _engines(db: Database) -> list[Engine]:
    """The app's engines (SQLite has a second one for read-only transactions)."""
    found: list[Engine] = []
    for write in (True, False):
        engine = db.session_factory(write=write).kw["bind"].sync_engine
        if engine not in found:
            found.append(engine)
    return found


@contextlib.contextmanager
def _statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(" ".join(statement.split()))

    engines = _engines(db)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


async def _answer(app: FastAPI, send: Awaitable[httpx.Response]) -> Answer:
    with _statements(app.state.db) as seen:
        response = await send
    request_id = response.headers["x-request-id"]
    assert request_id.encode() in response.content
    headers = tuple(sorted((k, v) for k, v in response.headers.items() if k != "x-request-id"))
    body = response.content.replace(request_id.encode(), b"<request id>")
    return Answer(response.status_code, headers, body, tuple(seen))


def _assert_alike(answers: dict[str, Answer], status: int, table: str) -> None:
    """One answer for all, after the same statements as for a well-formed value never issued,
    which looked in ``table``."""
    first_label = "never issued"
    first = answers[first_label]
    assert first.status == status, first.body
    assert any(table in statement for statement in first.statements), first.statements
    for label, answer in answers.items():
        assert (answer.status, answer.headers, answer.body) == (
            first.status,
            first.headers,
            first.body,
        ), f"{label!r} reads unlike {first_label!r}"
        assert answer.statements == first.statements, (
            f"{label!r} ran other statements than {first_label!r}:\n"
            f"{answer.statements}\nvs\n{first.statements}"
        )


def _malformed(real: str, kind: Kind) -> dict[str, str]:
    """Values ``parse`` refuses, all but one a near miss of a real ``real``, plus well-formed
    ones never issued."""
    other = Kind.CLIENT_SECRET if kind is not Kind.CLIENT_SECRET else Kind.ACCESS_TOKEN
    return {
        "another kind's token": tokens.generate(other, "sandbox"),
        "one character short": real[:-1],
        "checksum broken": real[:-1] + ("A" if real[-1] != "A" else "B"),
        "non-ASCII": real[:-1] + "é",
        "not a token": "not-a-token",
        "never issued": tokens.generate(kind, "sandbox"),
        "other environment": tokens.generate(kind, "live"),
    }


def _basic(client_id: str, secret: str) -> dict[bytes, bytes]:
    raw = base64.b64encode(f"{client_id}:{secret}".encode("utf-8", "surrogatepass"))
    return {b"Authorization": b"Basic " + raw}


def _bearer(value: str) -> dict[bytes, bytes]:
    return {b"Authorization": b"Bearer " + value.encode()}


async def _rotate_out(app: FastAPI, client: TestClient) -> None:
    """Rotate the client's secret with no grace: the old one (and its tokens) stop at once."""
    async with app.state.db.transaction() as session:
        await rotate_secret(session, app.state.clock, client.id, timedelta(0))


async def test_client_secrets(app: FastAPI, api: httpx.AsyncClient) -> None:
    """HTTP Basic on /v1 and the token endpoint's body fields."""
    mine = await make_client(app)
    theirs = await make_client(app, name="Other")
    rotated = await make_client(app, name="Rotated")
    await _rotate_out(app, rotated)
    pairs = {
        label: (mine.id, value)
        for label, value in _malformed(mine.secret, Kind.CLIENT_SECRET).items()
    }
    pairs |= {
        "another client's secret": (mine.id, theirs.secret),
        "unknown client id": (new_id("cli"), mine.secret),
        "client id too long": ("c" * 41, mine.secret),
        "rotated out": (rotated.id, rotated.secret),
    }
    basic = {
        label: await _answer(app, api.get("/v1/users", headers=_basic(*pair)))
        for label, pair in pairs.items()
    }
    basic["NUL in the client id"] = await _answer(
        app, api.get("/v1/users", headers=_basic("cli\x00", mine.secret))
    )
    for label, header in {"not base64": b"Basic !!!", "no colon": b"Basic bm8tY29sb24="}.items():
        basic[label] = await _answer(app, api.get("/v1/users", headers={b"Authorization": header}))
    _assert_alike(basic, 401, "client_secrets")

    form = {
        label: await _answer(
            app,
            api.post(
                "/v1/auth/token",
                data={"grant_type": "client_credentials", "client_id": cid, "client_secret": s},
            ),
        )
        for label, (cid, s) in pairs.items()
    }
    _assert_alike(form, 401, "client_secrets")


async def test_access_tokens(app: FastAPI, api: httpx.AsyncClient, clock: ManualClock) -> None:
    async def access_token(client: TestClient) -> str:
        data = {"grant_type": "client_credentials"}
        response = await api.post("/v1/auth/token", data=data, auth=client.auth)
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    revoked_client, expiring_client = await make_client(app), await make_client(app, name="B")
    revoked = await access_token(revoked_client)
    await _rotate_out(app, revoked_client)
    expired = await access_token(expiring_client)
    values = _malformed(expired, Kind.ACCESS_TOKEN) | {"secret rotated out": revoked}
    answers = {
        label: await _answer(app, api.get("/v1/users", headers=_bearer(value)))
        for label, value in values.items()
    }
    clock.advance(ACCESS_TOKEN_TTL + timedelta(seconds=1))
    answers["expired"] = await _answer(app, api.get("/v1/users", headers=_bearer(expired)))
    _assert_alike(answers, 401, "access_tokens")


async def test_authorization_codes(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    other = await make_client(app, name="Other")

    async def code_of(owner: TestClient) -> str:
        code = tokens.generate(Kind.AUTHORIZATION_CODE, "sandbox")
        await add_attempt(app, owner, await add_credential(app, owner, "user-1"), code=code)
        return code

    def exchange(code: str) -> Awaitable[httpx.Response]:
        body = {"authorization_code": code}
        return api.post("/v1/auth/exchange", json=body, auth=client.auth)

    used, expired, foreign = await code_of(client), await code_of(client), await code_of(other)
    assert (await exchange(used)).status_code == 200
    clock.advance(AUTHORIZATION_CODE_TTL)
    values = _malformed(used, Kind.AUTHORIZATION_CODE) | {
        "used": used,
        "expired": expired,
        "another client's": foreign,
        "empty": "",
    }
    answers = {label: await _answer(app, exchange(value)) for label, value in values.items()}
    _assert_alike(answers, 400, "connection_attempts")


async def _spend(app: FastAPI, token: str) -> None:
    """What a success with the token does to it (ConnectTokenRepository.mark_used)."""
    clock = app.state.clock
    async with app.state.db.transaction() as session:
        repo = ConnectTokenRepository(session)
        row = await repo.lock_openable(tokens.digest(token), clock.now())
        assert row is not None
        assert await repo.mark_used(row.id, clock.now())


async def test_connect_tokens(app: FastAPI, api: httpx.AsyncClient, clock: ManualClock) -> None:
    """Both ways a connect token opens Connect: the widget API and the loader's frames call."""
    client = await make_client(app, origins=[HOST])
    live = await connect_token(api, client, client_user_id="live")
    spent = await connect_token(api, client, client_user_id="spent")
    await _spend(app, spent)
    deleted = await connect_token(api, client, client_user_id="deleted")
    assert (await api.delete("/v1/users/deleted", auth=client.auth)).status_code == 204
    values = _malformed(live, Kind.CONNECT_TOKEN) | {"spent": spent, "user deleted": deleted}
    clock.advance(timedelta(hours=4, seconds=1))
    values["expired"] = live

    def start(value: str) -> Awaitable[httpx.Response]:
        return api.post("/connect/api/sessions", json={"connect_token": value})

    def frame(value: str) -> Awaitable[httpx.Response]:
        return api.post(
            "/connect/api/frames", json={"connect_token": value}, headers={"Origin": HOST}
        )

    for send in (start, frame):
        answers = {label: await _answer(app, send(value)) for label, value in values.items()}
        _assert_alike(answers, 401, "connect_tokens")


async def test_connect_links(app: FastAPI, api: httpx.AsyncClient, clock: ManualClock) -> None:
    client = await make_client(app)
    credential = await add_credential(app, client, "user-1")

    async def link() -> tuple[str, str]:
        path = f"/v1/utility_credentials/{credential}/connect_link"
        made = await api.post(path, auth=client.auth)
        assert made.status_code in (200, 201), made.text
        return str(made.json()["id"]), str(made.json()["url"]).split("#token=", 1)[1]

    (_, live), (used_id, used), (revoked_id, revoked) = [await link() for _ in range(3)]
    async with app.state.db.transaction() as session:
        assert await mark_link_used(session, clock, used_id)
    assert (await api.delete(f"/v1/connect_links/{revoked_id}", auth=client.auth)).is_success
    values = _malformed(live, Kind.CONNECT_LINK) | {"used": used, "revoked": revoked}
    clock.advance(timedelta(hours=72, seconds=1))
    values["expired"] = live
    answers = {
        label: await _answer(
            app, api.post("/connect/api/sessions", json={"connect_link_token": value})
        )
        for label, value in values.items()
    }
    _assert_alike(answers, 401, "connect_links")


async def test_frame_tickets(app: FastAPI, api: httpx.AsyncClient, clock: ManualClock) -> None:
    client = await make_client(app, origins=[HOST])

    async def ticket() -> str:
        token = await connect_token(api, client, client_user_id="user-1")
        opened = await api.post(
            "/connect/api/frames", json={"connect_token": token}, headers={"Origin": HOST}
        )
        assert opened.status_code == 200, opened.text
        return str(opened.json()["frame_url"]).split("#ticket=", 1)[1]

    def start(value: str) -> Awaitable[httpx.Response]:
        return api.post("/connect/api/sessions", json={"frame_ticket": value})

    live, used = await ticket(), await ticket()
    assert (await start(used)).status_code == 200
    values = _malformed(live, Kind.WIDGET_TOKEN) | {"used": used}
    clock.advance(TICKET_TTL + timedelta(seconds=1))
    values["expired"] = live
    answers = {label: await _answer(app, start(value)) for label, value in values.items()}
    _assert_alike(answers, 401, "connect_sessions")


async def test_connect_session_bearers(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    credential = await add_credential(app, client, "user-1")
    made = await api.post(f"/v1/utility_credentials/{credential}/connect_link", auth=client.auth)
    link_id, link = made.json()["id"], made.json()["url"].split("#token=", 1)[1]
    ended = (await open_session(api, link, consent=False, link=True)).bearer
    assert (await api.delete(f"/v1/connect_links/{link_id}", auth=client.auth)).is_success
    live = (await open_session(api, await connect_token(api, client, client_user_id="u"))).bearer
    get: Callable[[str], Awaitable[httpx.Response]] = lambda value: api.get(  # noqa: E731
        "/connect/api/session", headers=_bearer(value)
    )
    values = _malformed(live, Kind.CONNECT_SESSION) | {"ended (its link revoked)": ended}
    clock.advance(timedelta(hours=4, seconds=1))
    values["expired"] = live
    answers = {label: await _answer(app, get(value)) for label, value in values.items()}
    _assert_alike(answers, 401, "connect_sessions")
