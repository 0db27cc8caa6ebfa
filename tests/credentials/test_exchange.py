from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from gridlink.auth.repository import AuthRepository
from gridlink.auth.service import AUTHORIZATION_CODE_TTL, new_authorization_code
from gridlink.kit import tokens
from gridlink.kit.clock import ManualClock
from tests.credentials.helpers import add_attempt, add_credential
from tests.factories import TestClient, assert_error, make_client


async def _code_for(
    app: FastAPI, client: TestClient, environment: str = "sandbox"
) -> tuple[str, str]:
    """(code, credential id) of a finished attempt of ``client``."""
    credential_id = await add_credential(app, client, "user-1")
    code = tokens.generate(tokens.TokenKind.AUTHORIZATION_CODE, environment)
    await add_attempt(app, client, credential_id, code=code)
    return code, credential_id


async def _exchange(api: httpx.AsyncClient, client: TestClient, code: object) -> httpx.Response:
    return await api.post("/v1/auth/exchange", json={"authorization_code": code}, auth=client.auth)


def _invalid_grant(response: httpx.Response) -> str:
    return str(assert_error(response, 400, "invalid_grant")["message"])


async def test_a_code_is_exchanged_once(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    code, credential_id = await _code_for(app, client)
    first = await _exchange(api, client, code)
    assert first.status_code == 200, first.text
    assert first.json() == {
        "utility_credential_id": credential_id,
        "client_user_id": "user-1",
        "utility_id": "sandbox_electric",
    }
    again = await _exchange(api, client, code)
    assert "already used" in _invalid_grant(again)


async def test_every_failure_reads_the_same(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    other = await make_client(app, name="Other")
    used, _ = await _code_for(app, client)
    assert (await _exchange(api, client, used)).status_code == 200
    expired, _ = await _code_for(app, client)
    almost, _ = await _code_for(app, client)
    live_code = tokens.generate(tokens.TokenKind.AUTHORIZATION_CODE, "live")
    clock.advance(AUTHORIZATION_CODE_TTL - timedelta(seconds=1))
    assert (await _exchange(api, client, almost)).status_code == 200  # 9 min 59 s old
    foreign, _ = await _code_for(app, other)
    clock.advance(timedelta(seconds=1))  # `expired` is now exactly 10 minutes old
    candidates = [
        used,
        expired,
        foreign,
        live_code,
        tokens.generate(tokens.TokenKind.AUTHORIZATION_CODE, "sandbox"),  # never issued
        tokens.generate(tokens.TokenKind.CONNECT_LINK, "sandbox"),
        used[:-1] + ("A" if used[-1] != "A" else "B"),  # checksum broken
        "glac_sandbox_short",
        "",
        "x" * 5000,
    ]
    messages = {_invalid_grant(await _exchange(api, client, c)) for c in candidates}
    assert len(messages) == 1
    # A control character is refused at the edge for every request (it cannot be a code).
    nul = await _exchange(api, client, "glac_sandbox_\x00")
    assert assert_error(nul, 422, "invalid_request")["fields"] == ["authorization_code"]
    # A failed try by another client does not spend the code for its owner.
    assert (await _exchange(api, other, foreign)).status_code == 200


@pytest.mark.parametrize("body", [{}, {"authorization_code": 42}, {"code": "glac_..."}])
async def test_a_body_without_a_code_string_is_an_invalid_request(
    app: FastAPI, api: httpx.AsyncClient, body: dict[str, object]
) -> None:
    client = await make_client(app)
    response = await api.post("/v1/auth/exchange", json=body, auth=client.auth)
    assert_error(response, 422, "invalid_request")


async def test_concurrent_exchanges_exactly_one_wins(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    code, credential_id = await _code_for(app, client)
    responses = await asyncio.gather(*(_exchange(api, client, code) for _ in range(8)))
    statuses = sorted(r.status_code for r in responses)
    assert statuses == [200] + [400] * 7
    winner = next(r for r in responses if r.status_code == 200)
    assert winner.json()["utility_credential_id"] == credential_id


async def test_a_second_transaction_waits_and_then_finds_the_code_spent(app: FastAPI) -> None:
    """The race made deterministic: the second UPDATE starts while the first transaction
    holds the row (PostgreSQL: row lock; SQLite: the writer slot), and spends nothing once the
    first commits."""
    client = await make_client(app)
    code, credential_id = await _code_for(app, client)
    now = app.state.clock.now()
    db = app.state.db
    second_started = asyncio.Event()

    async def second() -> str | None:
        second_started.set()
        async with db.transaction() as session:
            return await AuthRepository(session).redeem_authorization_code(
                client.id, tokens.digest(code), now
            )

    async with db.transaction() as session:
        won = await AuthRepository(session).redeem_authorization_code(
            client.id, tokens.digest(code), now
        )
        task = asyncio.create_task(second())
        await second_started.wait()
        await asyncio.sleep(0.05)  # let the second statement reach the database and wait
        assert not task.done()
    assert won == credential_id
    assert await task is None


async def test_moving_the_sandbox_clock_does_not_expire_a_code(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    code, _ = await _code_for(app, client)
    await api.post("/v1/sandbox/clock", json={"advance_seconds": 86400}, auth=client.auth)
    assert (await _exchange(api, client, code)).status_code == 200


async def test_a_deleted_credentials_code_is_dead(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    code, credential_id = await _code_for(app, client)
    await api.delete(f"/v1/utility_credentials/{credential_id}", auth=client.auth)
    _invalid_grant(await _exchange(api, client, code))


def test_new_codes_are_well_formed_and_live_ten_minutes() -> None:
    clock = ManualClock()
    code = new_authorization_code(clock, "live")
    assert tokens.parse(code.value, tokens.TokenKind.AUTHORIZATION_CODE) == "live"
    assert code.digest == tokens.digest(code.value)
    assert code.expires_at == clock.now() + timedelta(minutes=10)
