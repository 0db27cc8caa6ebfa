"""The attempt worker: claims queued connection attempts and runs each in its own task.

Claims are leases (owner + expiry) renewed while the attempt runs. A worker that dies stops
renewing; any worker then finds its unfinished attempts (``abandoned``) and ends them as
``error`` — the utility session they needed died with it — so the end user can retry at once
and nothing is left half-written. ``FOR UPDATE SKIP LOCKED`` lets several workers share the
queue on PostgreSQL.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import timedelta

from gridlink.attempts import outcomes
from gridlink.attempts.endings import INTERRUPTED
from gridlink.attempts.execution import Execution
from gridlink.attempts.repository import AttemptRepository
from gridlink.attempts.service import WORK_CHANNEL
from gridlink.budgets.pacing import Pacing
from gridlink.config import Settings
from gridlink.connectors.metadata import RequestBudget
from gridlink.connectors.registry import ConnectorRegistry
from gridlink.kit.clock import Clock
from gridlink.kit.db import Database
from gridlink.kit.heartbeat import beat
from gridlink.kit.ids import new_worker_id
from gridlink.kit.outages import Backoff, keep_doing, log_failure
from gridlink.kit.tasks import cancel_and_wait
from gridlink.kit.vault import Vault
from gridlink.kit.wakeup import Waiter
from gridlink.metrics.recording import leases_expired

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class EngineSettings:
    connect_wait: timedelta = timedelta(seconds=25)
    input_timeout: timedelta = timedelta(minutes=10)
    lease: timedelta = timedelta(seconds=30)
    concurrency: int = 100
    poll_seconds: float = 0.25
    # The settings' request budgets by utility or connector id (budgets/pacing.py).
    request_budgets: Mapping[str, RequestBudget] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> EngineSettings:
        return cls(
            connect_wait=timedelta(seconds=settings.connect_wait_seconds),
            input_timeout=timedelta(seconds=settings.connect_input_timeout_seconds),
            lease=timedelta(seconds=settings.attempt_lease_seconds),
            concurrency=settings.attempt_concurrency,
            request_budgets=settings.request_budget_overrides(),
        )


class AttemptRunner:
    name = "connection_attempts"

    def __init__(
        self,
        db: Database,
        clock: Clock,
        vault: Vault,
        registry: ConnectorRegistry,
        settings: EngineSettings | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.vault = vault
        self.registry = registry
        self.settings = settings or EngineSettings()
        self.pacing = Pacing(db, clock, registry, self.settings.request_budgets)
        self.worker_id = new_worker_id()
        self.tasks: dict[str, asyncio.Task[None]] = {}

    async def run(self, stop: asyncio.Event) -> None:
        heartbeat = asyncio.create_task(self._heartbeat(stop))
        backoff = Backoff()
        try:
            async with Waiter(self.db, WORK_CHANNEL) as waiter:
                while not stop.is_set():
                    beat(within=self.settings.poll_seconds * 4)  # kit/heartbeat.py
                    waiter.clear()
                    wait = self.settings.poll_seconds * 4
                    try:
                        await self.reap()
                        await self.claim()
                        backoff.succeeded()
                    except Exception as error:
                        # A failed claim (the database restarting, every connection in use)
                        # must not end this loop: its end cancels every sign-in in flight.
                        wait = backoff.failed()
                        log_failure(logger, "could not claim connection attempts", error, wait)
                    await waiter.wait_or_stop(stop, wait)
        finally:
            await cancel_and_wait(heartbeat, *self.tasks.values())

    async def claim(self) -> list[str]:
        free = self.settings.concurrency - len(self.tasks)
        if free <= 0:
            return []
        now = self.clock.now()
        async with self.db.transaction() as session:
            ids = await AttemptRepository(session).claim_queued(
                self.worker_id, now + self.settings.lease, now, free
            )
        for attempt_id in ids:
            task = asyncio.create_task(Execution(self, attempt_id).run(), name=attempt_id)
            self.tasks[attempt_id] = task
            task.add_done_callback(self._forget)
        return ids

    def _forget(self, task: asyncio.Task[None]) -> None:
        self.tasks.pop(task.get_name(), None)

    async def reap(self) -> int:
        """End attempts whose worker died (lease expired, not ours) as interrupted."""
        async with self.db.transaction() as session:
            stale = await AttemptRepository(session).abandoned(self.clock.now(), limit=100)
            stale = [a for a in stale if a.id not in self.tasks]
            for attempt in stale:
                await outcomes.failed(session, self.clock, self.vault, attempt, INTERRUPTED, None)
        leases_expired(self.name, len(stale))
        if stale:
            logger.warning("ended attempts of a worker that stopped", extra={"count": len(stale)})
        return len(stale)

    async def _heartbeat(self, stop: asyncio.Event) -> None:
        async def renew() -> None:
            ids = list(self.tasks)
            if not ids:
                return
            async with self.db.transaction() as session:
                repo = AttemptRepository(session)
                until = self.clock.now() + self.settings.lease
                for attempt_id in ids:
                    await repo.renew_lease(attempt_id, self.worker_id, until)

        every = self.settings.lease.total_seconds() / 3
        await keep_doing(stop, every, renew, what="could not renew attempt leases", log=logger)
