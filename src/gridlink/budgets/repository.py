"""All SQL of the request budgets: taking a token from a utility's bucket."""

from __future__ import annotations

from typing import NamedTuple

from sqlalchemy import Double, case, literal
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.kit.clock import Clock
from gridlink.kit.db import dialect_insert
from gridlink.models import UtilityRequestBudget


class Taken(NamedTuple):
    now: float  # when the token was taken, seconds since the epoch
    full_at: float  # the bucket's new full_at


class BudgetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def take(self, utility_id: str, clock: Clock, interval: float) -> Taken:
        """Take a token: move the bucket's ``full_at`` one ``interval`` past the later of itself
        and now, and return both (a first take creates the row, as if full).

        "Now" is read once the transaction holds its connection (on SQLite, the write lock):
        read before, it could be late by a connection's set-up or another process's write, and
        a take dated early lets the bucket refill for time that had already passed.

        One ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``: atomic on PostgreSQL (the
        conflicting row is locked and the update computed from its latest committed version,
        so concurrent takers each move it on in turn, across processes) and on SQLite (the
        writer lock, and ``BEGIN IMMEDIATE`` for other processes). The row lock lasts only
        until the caller's transaction ends, which it must do before any wait.
        """
        await self.session.connection()
        now = clock.now().timestamp()
        budgets = UtilityRequestBudget.__table__
        at = literal(now, Double[float]())
        step = literal(interval, Double[float]())
        moved = case((budgets.c.full_at > at, budgets.c.full_at), else_=at) + step
        statement = (
            dialect_insert(self.session, UtilityRequestBudget)
            .values(utility_id=utility_id, full_at=at + step)
            .on_conflict_do_update(index_elements=["utility_id"], set_={"full_at": moved})
            .returning(budgets.c.full_at)
        )
        return Taken(now, float((await self.session.execute(statement)).scalar_one()))
