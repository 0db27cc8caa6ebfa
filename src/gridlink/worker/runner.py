"""The worker: periodic jobs, each in its own transaction, and long-running loops.

``gridlink serve`` runs one in-process; ``gridlink worker`` runs it alone for scale-out. A job
that fails is logged and retried on its next tick; it never stops the loop. A background loop
(such as webhook delivery) runs until the worker stops; if it crashes it is logged and
restarted after a pause.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.kit.clock import Clock
from gridlink.kit.db import Database
from gridlink.kit.heartbeat import WorkerHealth, watch
from gridlink.kit.outages import Backoff, log_failure

logger = logging.getLogger(__name__)

JobFunction = Callable[[AsyncSession, Clock], Awaitable[int]]


@dataclass(frozen=True)
class PeriodicJob:
    name: str
    every: timedelta
    run: JobFunction


class BackgroundLoop(Protocol):
    name: str

    async def run(self, stop: asyncio.Event) -> None:
        """Work until ``stop`` is set, then return."""
        ...


class Worker:
    def __init__(
        self,
        db: Database,
        clock: Clock,
        jobs: Sequence[PeriodicJob],
        poll_seconds: float = 1.0,
        loops: Sequence[BackgroundLoop] = (),
        *,
        stall_seconds: float = 120.0,
    ) -> None:
        self.db = db
        self.clock = clock
        self.jobs = list(jobs)
        self.poll_seconds = poll_seconds
        self.loops = list(loops)
        self._next_run = {job.name: 0.0 for job in self.jobs}
        self.health = WorkerHealth(stall_seconds)  # read by /readyz and /metrics
        for name in ("periodic_jobs", *(loop.name for loop in self.loops)):
            self.health.loop(name)

    async def run_due(self) -> dict[str, int]:
        """Run every job whose time has come; returns how much each one did."""
        loop = asyncio.get_running_loop()
        done: dict[str, int] = {}
        for job in self.jobs:
            if loop.time() < self._next_run[job.name]:
                continue
            self._next_run[job.name] = loop.time() + job.every.total_seconds()
            try:
                async with self.db.transaction() as session:
                    done[job.name] = await job.run(session, self.clock)
            except Exception:
                logger.exception("worker job failed", extra={"job": job.name})
        return done

    async def run_forever(self, stop: asyncio.Event) -> None:
        logger.info(
            "worker started",
            extra={"jobs": [job.name for job in self.jobs], "loops": [b.name for b in self.loops]},
        )
        loops = [
            asyncio.create_task(self._supervise(loop, stop), name=f"gridlink-{loop.name}")
            for loop in self.loops
        ]
        while not stop.is_set():
            self.health.loop("periodic_jobs").beat(within=self.poll_seconds)
            await self.run_due()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=self.poll_seconds)
        await asyncio.gather(*loops)
        logger.info("worker stopped")

    async def _supervise(self, loop: BackgroundLoop, stop: asyncio.Event) -> None:
        watch(health := self.health.loop(loop.name))  # the loop's beat() reports here
        backoff = Backoff(first=self.poll_seconds)
        while not stop.is_set():
            try:
                await loop.run(stop)
            except Exception as error:
                health.crashed(error)
                # Restarted after longer and longer pauses: a loop that cannot start (the
                # database is away) must not spin.
                pause = backoff.failed()
                log_failure(logger, "worker loop crashed; restarting", error, pause, loop=loop.name)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=pause)
