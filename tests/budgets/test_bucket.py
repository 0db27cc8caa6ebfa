"""The request budget as workers share it: real databases, real concurrency.

Takers run as several tasks on two separate ``Database`` engines (each its own pool, as two
processes have; tests/budgets/test_processes.py runs two real processes on PostgreSQL) and
record the moment each was let through: no window may hold more than the bucket allows. A
waiting taker sleeps exactly until its token is due, and holds no transaction meanwhile.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from gridlink.budgets.pacing import Pacing, bucket_pace, budget_for
from gridlink.connectors.base import no_wait
from gridlink.connectors.metadata import UNLIMITED, RequestBudget
from gridlink.connectors.registry import default_registry
from gridlink.kit.clock import ManualClock, SystemClock
from gridlink.kit.db import Database
from gridlink.models import UtilityRequestBudget
from tests.budgets.windows import overruns

UTILITY = "eia_14328"  # PG&E, an opower utility


@pytest.fixture
async def two_dbs(db_url: str) -> AsyncIterator[tuple[Database, Database]]:
    first, second = Database(db_url), Database(db_url)
    yield first, second
    await first.dispose()
    await second.dispose()


async def full_at(db: Database, utility_id: str = UTILITY) -> float | None:
    async with db.transaction(write=False) as session:
        return await session.scalar(
            select(UtilityRequestBudget.full_at).where(
                UtilityRequestBudget.utility_id == utility_id
            )
        )


async def test_concurrent_takers_on_two_engines_never_exceed_the_budget(
    two_dbs: tuple[Database, Database],
) -> None:
    budget = RequestBudget(per_minute=300, burst=2)  # a token every 0.2 s
    clock = SystemClock()
    let_through: list[float] = []

    async def warm_up(db: Database) -> None:
        # Open each engine's connections and prepare the take first (on another utility): a
        # cold first commit is slow enough to bunch its request with the next (see JITTER).
        pace = bucket_pace(db, clock, "warm_up", RequestBudget(6000, 100), asyncio.sleep)
        await asyncio.gather(*(pace() for _ in range(3)))

    await asyncio.gather(*(warm_up(db) for db in two_dbs))

    async def taker(db: Database) -> None:
        pace = bucket_pace(db, clock, UTILITY, budget, asyncio.sleep)
        for _ in range(3):
            await pace()
            let_through.append(clock.now().timestamp())

    await asyncio.gather(*(taker(db) for db in two_dbs for _ in range(3)))
    assert len(let_through) == 18
    assert overruns(let_through, budget) == []


async def test_a_waiting_taker_sleeps_exactly_until_its_token_is_due(db: Database) -> None:
    clock = ManualClock()
    asked: list[float] = []

    async def sleep(seconds: float) -> None:  # the time passes, at once
        asked.append(seconds)
        clock.advance(timedelta(seconds=seconds))

    pace = bucket_pace(db, clock, UTILITY, RequestBudget(per_minute=60, burst=2), sleep)
    await pace()
    await pace()  # a full bucket holds two
    assert asked == []
    await pace()
    assert asked == [1.0]  # the next token, a second later: not a poll, the exact wait
    clock.advance(timedelta(seconds=0.25))
    await pace()
    assert asked == [1.0, 0.75]  # only what is left of the interval
    clock.advance(timedelta(minutes=10))  # a quiet spell refills to the burst, no more
    await pace()
    await pace()
    assert asked == [1.0, 0.75]
    await pace()
    assert asked == [1.0, 0.75, 1.0]


async def test_a_waiting_taker_goes_when_its_token_is_due_in_real_time(db: Database) -> None:
    pace = bucket_pace(db, SystemClock(), UTILITY, RequestBudget(per_minute=120), asyncio.sleep)
    await pace()
    started = time.monotonic()
    await pace()
    waited = time.monotonic() - started
    assert 0.5 - 0.02 <= waited < 5  # the interval; generous above for a busy machine


async def test_a_throttled_taker_holds_no_transaction_while_it_waits(
    two_dbs: tuple[Database, Database],
) -> None:
    """While one taker sleeps for its token, its engine has no connection checked out, and
    both its own engine (the SQLite writer lock) and another (the PostgreSQL row lock, the
    SQLite file lock) take a token of the same utility at once."""
    db, other = two_dbs
    clock = ManualClock()
    seen: list[str] = []

    async def sleep(seconds: float) -> None:
        seen.append(f"sleeps {seconds}")
        seen.append(f"connections checked out: {db.engine.pool.checkedout()}")  # type: ignore[attr-defined]
        for name, engine in (("own", db), ("other", other)):
            quick = bucket_pace(engine, clock, UTILITY, RequestBudget(per_minute=60), no_sleep)
            await asyncio.wait_for(quick(), timeout=5)
            seen.append(f"{name} engine took a token")

    async def no_sleep(_seconds: float) -> None:
        pass

    pace = bucket_pace(db, clock, UTILITY, RequestBudget(per_minute=60), sleep)
    await pace()
    await pace()
    assert seen == [
        "sleeps 1.0",
        "connections checked out: 0",
        "own engine took a token",
        "other engine took a token",
    ]


async def test_an_unlimited_budget_never_touches_the_database(db: Database) -> None:
    registry = default_registry(discover=False)
    pacing = Pacing(db, ManualClock(), registry, {"smart_meter_texas": UNLIMITED})
    assert pacing.pace("sandbox_electric") is no_wait  # the sandbox declares unlimited
    assert pacing.pace("smart_meter_texas") is no_wait  # the settings say so
    paced = pacing.pace(UTILITY)
    assert paced is not no_wait
    await paced()
    assert await full_at(db, "smart_meter_texas") is None
    assert await full_at(db) is not None


def test_the_settings_override_the_utility_then_the_connector_then_the_declaration() -> None:
    registry = default_registry(discover=False)
    declared = registry.for_utility(UTILITY).info.budget_for(UTILITY)
    assert budget_for(registry, UTILITY, {}) == declared == RequestBudget(30, 5)
    smt = budget_for(registry, "smart_meter_texas", {})
    # SMT's bucket is for the whole deployment; its connector also paces each login.
    assert smt == RequestBudget(60, 5)
    by_connector = RequestBudget(10, 1)
    by_utility = RequestBudget(20, 2)
    assert budget_for(registry, UTILITY, {"opower": by_connector}) == by_connector
    assert budget_for(registry, UTILITY, {"opower": by_connector, UTILITY: by_utility}) == (
        by_utility
    )


def test_the_window_check_sees_a_burst() -> None:
    """The check above can fail: requests bunched beyond the burst are reported."""
    budget = RequestBudget(per_minute=300, burst=2)  # 0.2 s apart
    assert overruns([0.0, 0.0, 0.2, 0.4, 0.6], budget) == []
    assert overruns([0.0, 0.03, 0.2, 0.4], budget) == []  # within the slack
    assert overruns([0.0, 0.0, 0.0], budget) == ["3 requests in 0.000 s (at most 2)"]
    assert overruns([0.0, 0.0, 0.1, 0.2], budget) != []
