"""Per-object wake-ups across processes (kit/relay.py): a change one process commits to an
attempt wakes the long-polls another process holds on it, on real PostgreSQL. Each "other
process" here is a Database of its own (its own engine and connections); an in-process ring
cannot stand in for the relay, because every notification below is sent on a connection no
Waiter shares, or checked on the wire."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator

import pytest
from fastapi import FastAPI
from sqlalchemy import text

from gridlink.attempts.service import WORK_CHANNEL, update_channel
from gridlink.kit.db import Database
from gridlink.kit.relay import Relay
from gridlink.kit.wakeup import RELAY_CHANNEL, Waiter, announce


@pytest.fixture
async def pg(database_urls: dict[str, str]) -> AsyncIterator[Database]:
    if "postgresql" not in database_urls:
        pytest.skip("PostgreSQL only: SQLite has no other process to wake")
    db = Database(database_urls["postgresql"])
    yield db
    await db.dispose()


@pytest.fixture
async def elsewhere(pg: Database) -> AsyncIterator[Database]:
    """The same database through an engine of its own, as another process reaches it."""
    other = Database(pg.url)
    yield other
    await other.dispose()


@contextlib.asynccontextmanager
async def running_relay(db: Database) -> AsyncIterator[Relay]:
    relay, stop = Relay(db), asyncio.Event()
    task = asyncio.create_task(relay.run(stop))
    try:
        await asyncio.wait_for(relay.listening.wait(), timeout=10)
        yield relay
    finally:
        stop.set()
        await asyncio.wait_for(task, timeout=10)


async def notify_from_elsewhere(db: Database, payload: str) -> None:
    async with db.engine.begin() as connection:
        await connection.execute(
            text("SELECT pg_notify(:channel, :payload)"),
            {"channel": RELAY_CHANNEL, "payload": payload},
        )


async def test_an_attempts_change_goes_out_on_the_relay_channel_at_commit_only(
    pg: Database,
) -> None:
    heard: asyncio.Queue[tuple[str, str]] = asyncio.Queue()
    async with pg.engine.connect() as listener:
        driver = (await listener.get_raw_connection()).driver_connection
        assert driver is not None
        for channel in (RELAY_CHANNEL, WORK_CHANNEL):
            await driver.add_listener(
                channel, lambda _c, _p, ch, load: heard.put_nowait((ch, load))
            )
        async with pg.transaction() as session:
            await announce(session, update_channel("att_relay_1"))
            await announce(session, WORK_CHANNEL)
        with contextlib.suppress(RuntimeError):  # a rollback sends nothing
            async with pg.transaction() as session:
                await announce(session, update_channel("att_relay_2"))
                raise RuntimeError("roll back")
        first = await asyncio.wait_for(heard.get(), timeout=5)
        second = await asyncio.wait_for(heard.get(), timeout=5)
        assert {first, second} == {
            (RELAY_CHANNEL, "gridlink_attempt:att_relay_1"),
            (WORK_CHANNEL, ""),  # a worker channel is LISTENed to by name, as before
        }
        await asyncio.sleep(0.3)
        assert heard.empty(), "the rolled-back change was announced"


async def test_the_relay_wakes_the_waiters_of_the_channel_it_names_and_no_other(
    pg: Database, elsewhere: Database
) -> None:
    async with (
        running_relay(pg),
        Waiter(pg, update_channel("att_a"), listen=False) as waiter_a,
        Waiter(pg, update_channel("att_b"), listen=False) as waiter_b,
    ):
        await notify_from_elsewhere(elsewhere, update_channel("att_a"))
        # Without the relay nothing else rings in this process: the wait runs out (False).
        assert await waiter_a.wait(5)
        assert not await waiter_b.wait(0.3)


async def test_the_relay_listens_again_after_its_connection_is_cut(
    pg: Database, elsewhere: Database
) -> None:
    async with (
        running_relay(pg) as relay,
        Waiter(pg, update_channel("att_c"), listen=False) as waiter,
    ):
        async with elsewhere.engine.begin() as connection:
            cut = await connection.execute(
                text(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE "
                    "query LIKE 'LISTEN %gridlink_relay%' AND datname = current_database()"
                )
            )
            assert cut.scalars().all() == [True]
        for _ in range(100):  # until it listens again (it notices within a second)
            waiter.clear()
            await notify_from_elsewhere(elsewhere, update_channel("att_c"))
            if await waiter.wait(0.1):
                break
        else:
            pytest.fail("the relay did not listen again")
        assert relay.listening.is_set()


async def test_the_apps_relay_runs_on_postgresql_only(app: FastAPI, db: Database) -> None:
    relay: Relay = app.state.relay
    if db.dialect != "postgresql":
        await asyncio.sleep(0.2)
        assert not relay.listening.is_set()  # SQLite: one process, in-process rings only
        return
    await asyncio.wait_for(relay.listening.wait(), timeout=10)
    elsewhere = Database(db.url)
    try:
        async with Waiter(db, update_channel("att_d"), listen=False) as waiter:
            await notify_from_elsewhere(elsewhere, update_channel("att_d"))
            assert await waiter.wait(5)
    finally:
        await elsewhere.dispose()
