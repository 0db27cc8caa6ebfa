"""The pace of requests to one utility, shared by every worker through the database.

Who does what: a connector awaits ``ConnectorContext.pace`` before each request and never
sees the database; the engine (connection attempts, syncs) builds the context here, with a
pace that takes a token from the utility's bucket (budgets/repository.py) in a transaction of
its own, ends that transaction, and only then sleeps until its token is due. So a throttled
worker holds no lock and no connection while it waits, and the takers of one utility go in
the order their takes committed, each exactly when its token comes due (no polling).

The budget is the connector's declaration (``ConnectorInfo.budget_for``) unless the settings
override it for the utility or for its connector (``GRIDLINK_REQUEST_BUDGETS``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from dataclasses import dataclass, field

from gridlink.budgets.repository import BudgetRepository
from gridlink.connectors.base import ConnectorContext, Pace, Sleep, no_wait
from gridlink.connectors.metadata import RequestBudget
from gridlink.connectors.registry import ConnectorRegistry
from gridlink.kit.clock import Clock
from gridlink.kit.db import Database


def budget_for(
    registry: ConnectorRegistry, utility_id: str, overrides: Mapping[str, RequestBudget]
) -> RequestBudget:
    """The utility's budget: the settings' for the utility, else for its connector, else the
    connector's declaration for the utility."""
    info = registry.info_for_utility(utility_id)
    return overrides.get(utility_id) or overrides.get(info.id) or info.budget_for(utility_id)


def bucket_pace(
    db: Database, clock: Clock, utility_id: str, budget: RequestBudget, sleep: Sleep
) -> Pace:
    """A pace that takes one token of ``utility_id``'s bucket per call and waits for it.

    ``clock`` is the app's, not a sandbox client's moved one. It is read inside the take's
    transaction: on SQLite under the write lock, so no other take comes between; on
    PostgreSQL a take queued behind another's row lock read it that long before (the other
    take's statement and commit: about a millisecond).
    """
    interval = budget.interval
    # A take may go at once while the bucket's debt stays within the burst.
    allowance = budget.burst * interval

    async def pace() -> None:
        async with db.transaction() as session:
            taken = await BudgetRepository(session).take(utility_id, clock, interval)
        # The transaction has ended: nothing is held while waiting.
        wait = taken.full_at - allowance - taken.now
        if wait > 0:
            await sleep(wait)

    return pace


@dataclass(frozen=True)
class Pacing:
    """What an engine needs to pace its connectors: built once per runner."""

    db: Database
    clock: Clock
    registry: ConnectorRegistry
    overrides: Mapping[str, RequestBudget] = field(default_factory=dict)

    def pace(self, utility_id: str, *, sleep: Sleep = asyncio.sleep) -> Pace:
        budget = budget_for(self.registry, utility_id, self.overrides)
        if budget.unlimited:
            return no_wait
        return bucket_pace(self.db, self.clock, utility_id, budget, sleep)

    def context(self, utility_id: str, *, clock: Clock) -> ConnectorContext:
        """A connector's context for ``utility_id``: its clock, every request paced."""
        context = ConnectorContext(clock=clock)
        return context.paced_by(self.pace(utility_id, sleep=context.sleep))
