"""All SQL of the request budgets: taking a token from a utility's bucket."""

from __future__ import annotations

from sqlalchemy import Double, case, literal
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.kit.db import dialect_insert
from gridlink.models import UtilityRequestBudget


class BudgetRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def take(self, utility_id: str, now: float, interval: float) -> float:
        """Take a token: move the bucket's ``full_at`` one ``interval`` past the later of itself
        and ``now`` and return the new value (a first take creates the row, as if full).

        One ``INSERT ... ON CONFLICT DO UPDATE ... RETURNING``: atomic on PostgreSQL (the
        conflicting row is locked and the update computed from its latest committed version,
        so concurrent takers each move it on in turn, across processes) and on SQLite (the
        writer lock, and ``BEGIN IMMEDIATE`` for other processes). The row lock lasts only
        until the caller's transaction ends, which it must do before any wait.
        """
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
        return float((await self.session.execute(statement)).scalar_one())
