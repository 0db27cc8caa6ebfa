"""The sync worker: claims due syncs with leases and runs each as its own task.

One row per credential (``utility_syncs``) and one lease on it: a worker claims due rows
(utility-side due time, per client clock) and rows whose lease expired (their worker died)
with ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, renews the leases of what it runs, and writes
only while it still holds the lease, so two workers never sync one credential at once. A
verification or a refresh wakes it (``SYNC_CHANNEL``); otherwise it polls.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections import deque
from dataclasses import dataclass

from gridlink.budgets.pacing import Pacing
from gridlink.clients.clock import client_clock
from gridlink.connectors.registry import ConnectorRegistry
from gridlink.data.files import FileStore
from gridlink.kit.clock import Clock
from gridlink.kit.cpu import ProcessLoad
from gridlink.kit.db import Database
from gridlink.kit.heartbeat import beat
from gridlink.kit.ids import new_worker_id
from gridlink.kit.outages import Backoff, keep_doing, log_failure
from gridlink.kit.request_context import start_job
from gridlink.kit.tasks import cancel_and_wait
from gridlink.kit.vault import Vault
from gridlink.kit.wakeup import Waiter
from gridlink.metrics.recording import leases_expired
from gridlink.sync.flow import SyncRun
from gridlink.sync.repository import SyncRepository
from gridlink.sync.schedule import SYNC_CHANNEL, SyncSettings

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Claim:
    """One run as this worker saw it (monotonic seconds): what the overlap test checks."""

    sync_id: str
    worker_id: str
    started: float
    ended: float


HISTORY_LENGTH = 1000


class SyncRunner:
    name = "utility_syncs"

    def __init__(
        self,
        db: Database,
        clock: Clock,
        vault: Vault,
        registry: ConnectorRegistry,
        files: FileStore,
        settings: SyncSettings | None = None,
    ) -> None:
        self.db = db
        self.clock = clock
        self.vault = vault
        self.registry = registry
        self.files = files
        self.settings = settings or SyncSettings()
        self.pacing = Pacing(db, clock, registry, self.settings.request_budgets)
        self.worker_id = new_worker_id()
        self.load = ProcessLoad()
        # The run holding each sync's lease (renewed by the heartbeat), and every run task still
        # alive: a run ending in a claim can start the next run of its own sync, so one sync id
        # can briefly have two tasks, and shut-down must wait for both.
        self.tasks: dict[str, asyncio.Task[None]] = {}
        self.alive: set[asyncio.Task[None]] = set()
        # Set at shut-down: running syncs stop after their current step (see SyncRun._owned).
        self.stopping = asyncio.Event()
        # The latest runs only (what the overlap test reads); a long-lived worker must not grow.
        self.history: deque[Claim] = deque(maxlen=HISTORY_LENGTH)

    async def run(self, stop: asyncio.Event) -> None:
        self.stopping.clear()
        heartbeat = asyncio.create_task(self._heartbeat(stop))
        try:
            async with Waiter(self.db, SYNC_CHANNEL) as waiter:
                backoff = Backoff()
                while not stop.is_set():
                    beat(within=self.settings.poll_seconds)  # kit/heartbeat.py
                    waiter.clear()
                    wait = self.settings.poll_seconds
                    try:
                        await self.claim()
                        backoff.succeeded()
                    except Exception as error:
                        wait = backoff.failed()
                        log_failure(logger, "could not claim syncs", error, wait)
                    await waiter.wait_or_stop(stop, wait)
        finally:
            await self._stop_runs()
            await cancel_and_wait(heartbeat)

    async def _stop_runs(self) -> None:
        """Let running syncs finish their current step and hand their leases back; cancel
        what is still talking to a utility after the grace period (its lease then runs out)."""
        self.stopping.set()
        grace_ends = asyncio.get_running_loop().time() + self.settings.stop_grace.total_seconds()
        # A run that ends looks for more work; a claim already past its `stopping` check can
        # start a run after this began, so wait until none is left, not for a snapshot.
        while running := list(self.alive):
            left = max(0.0, grace_ends - asyncio.get_running_loop().time())
            _, late = await asyncio.wait(running, timeout=left)
            await cancel_and_wait(*late)

    async def claim(self) -> list[str]:
        """Take due syncs one at a time while there is room and this process's core is not
        saturated: workers woken together then take turns (the claim lock), so each gets its
        share, and CPU-bound runs go to processes whose core is free (ADR 0024)."""
        claimed: list[str] = []
        while len(self.tasks) < self.settings.concurrency and not self.stopping.is_set():
            busy = self.settings.busy_share
            if self.tasks and busy is not None and self.load.share() >= busy:
                break
            ids = await self._claim_one()
            if not ids:
                break
            claimed += ids
        return claimed

    async def _claim_one(self) -> list[str]:
        ids: list[str] = []
        async with self.db.transaction() as session:
            repo = SyncRepository(session)
            await repo.take_claim_turn()
            now = self.clock.now()
            for offset in await repo.clock_offsets():
                ids = await repo.claim(
                    self.worker_id,
                    offset=offset,
                    utility_now=client_clock(self.clock, offset).now(),
                    now=now,
                    lease_until=now + self.settings.lease,
                    limit=1,
                    per_utility=self.settings.per_utility,
                )
                if ids:
                    break
        leases_expired(self.name, repo.taken_over)
        for sync_id in ids:
            task = asyncio.create_task(self._run(sync_id), name=sync_id)
            self.tasks[sync_id] = task
            self.alive.add(task)
            task.add_done_callback(self._forget)
        return ids

    async def _run(self, sync_id: str) -> None:
        start_job(sync_id=sync_id)  # on every log line of this task (its own context)
        started = time.monotonic()
        try:
            await SyncRun(self, sync_id).run()
        finally:
            self.history.append(Claim(sync_id, self.worker_id, started, time.monotonic()))
        # A run ends with the row scheduled again; look for more work at once.
        with contextlib.suppress(Exception):
            await self.claim()

    def _forget(self, task: asyncio.Task[None]) -> None:
        self.alive.discard(task)
        if self.tasks.get(task.get_name()) is task:  # not the next run of the same sync
            del self.tasks[task.get_name()]

    async def _heartbeat(self, stop: asyncio.Event) -> None:
        async def renew() -> None:
            ids = list(self.tasks)
            if not ids:
                return
            async with self.db.transaction() as session:
                until = self.clock.now() + self.settings.lease
                await SyncRepository(session).renew(ids, self.worker_id, until)

        every = self.settings.lease.total_seconds() / 3
        await keep_doing(stop, every, renew, what="could not renew sync leases", log=logger)
