"""What counts as "the database is briefly away", on real engines, and what a request says then."""

from __future__ import annotations

import asyncio

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from gridlink.kit.db import Database, PoolSettings
from gridlink.kit.outages import Backoff, is_transient, retry_transient
from tests.own_postgres import free_port


async def _error_of(db: Database, statement: str, *, write: bool = True) -> BaseException:
    try:
        async with db.transaction(write=write) as session:
            await session.execute(text(statement))
    except (SQLAlchemyError, OSError) as error:  # asyncpg's connect errors come unwrapped
        return error
    raise AssertionError("the statement did not fail")


async def test_a_server_that_refuses_connections_is_transient() -> None:
    db = Database(f"postgresql://postgres@127.0.0.1:{free_port()}/postgres")
    try:
        assert is_transient(await _error_of(db, "SELECT 1"))
    finally:
        await db.dispose()


async def test_a_wrong_statement_is_not_transient(db_url: str) -> None:
    db = Database(db_url)
    try:
        assert not is_transient(await _error_of(db, "SELECT * FROM no_such_table"))
    finally:
        await db.dispose()


async def test_a_pool_with_no_free_connection_in_time_is_transient(db_url: str) -> None:
    db = Database(db_url, pool=PoolSettings(size=1, overflow=0, timeout_seconds=0.1))
    try:
        async with db.transaction(write=False) as held:
            await held.execute(text("SELECT 1"))
            # The only connection (of SQLite's reading pool, too) is held above.
            error = await _error_of(db, "SELECT 1", write=False)
        assert is_transient(error)
    finally:
        await db.dispose()


async def test_retry_transient_gives_up_at_once_on_other_errors() -> None:
    calls = 0

    async def wrong() -> None:
        nonlocal calls
        calls += 1
        raise ValueError("a bug, not an outage")

    with pytest.raises(ValueError, match="a bug"):
        await retry_transient(wrong, give_up_after=10, what="test")
    assert calls == 1


async def test_retry_transient_tries_again_until_the_database_answers(db_url: str) -> None:
    refused = Database(f"postgresql://postgres@127.0.0.1:{free_port()}/postgres")
    working = Database(db_url)
    tries: list[Database] = [refused, refused, working]

    async def step() -> int:
        async with tries.pop(0).transaction() as session:
            return int((await session.execute(text("SELECT 7"))).scalar_one())

    try:
        assert await retry_transient(step, give_up_after=10, what="test") == 7
        assert tries == []
    finally:
        await refused.dispose()
        await working.dispose()


def test_backoff_grows_to_its_ceiling_and_a_success_resets_it() -> None:
    backoff = Backoff(first=0.5, most=4.0)
    pauses = [backoff.failed() for _ in range(8)]
    assert 0.25 <= pauses[0] <= 0.5
    assert all(2.0 <= p <= 4.0 for p in pauses[4:])  # capped, still jittered
    backoff.succeeded()
    assert backoff.failed() <= 0.5


async def test_a_request_that_finds_every_connection_busy_answers_503(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    db: Database = app.state.db
    # The app's own pool, shrunk to one connection that this test then holds.
    app.state.db = Database(db.url, pool=PoolSettings(size=1, overflow=0, timeout_seconds=0.2))
    try:
        async with app.state.db.transaction(write=False) as held:
            await held.execute(text("SELECT 1"))
            answer = await api.get("/v1/utility_credentials", auth=("cli_x", "secret"))
        assert answer.status_code == 503
        error = answer.json()["error"]
        assert error["code"] == "database_unavailable"
        assert "Retry the request" in error["message"]
        assert error["request_id"] == answer.headers["X-Request-Id"]
        assert answer.headers["Retry-After"] == "2"
    finally:
        await app.state.db.dispose()
        app.state.db = db
        await asyncio.sleep(0)
