"""Syncs in processes of their own, started and watched by a worker.

A backfill is CPU work in Python (parsing, packing a year of readings); run in the event loop
that also drives sign-ins, it made a sign-in's submit → verified 10 times slower (ADR 0024).
A worker therefore starts ``GRIDLINK_SYNC_PROCESSES`` children that run only the sync loop
(``gridlink worker`` with ``GRIDLINK_WORKER_LOOPS=utility_syncs``), each with its own event
loop, GIL and connection pool, and keeps sign-ins, deliveries and jobs itself. The children
share the sync queue through its row leases like any other worker; their utility sessions are
their own, so no sign-in depends on them.

A child that dies is started again after a growing pause; at shut-down each is asked to stop
(SIGTERM: it finishes its syncs' current steps and hands their leases back) and killed only
after the grace period.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
from asyncio.subprocess import Process

from gridlink.kit.heartbeat import beat
from gridlink.kit.outages import Backoff

logger = logging.getLogger(__name__)

SYNC_LOOP = "utility_syncs"
CHECK_SECONDS = 1.0
# Not a setting: how a sync process knows the worker that started it (see stop_with_parent).
PARENT_PID = "GRIDLINK_INTERNAL_SYNC_PARENT_PID"


def child_environment(parent: dict[str, str]) -> dict[str, str]:
    """The parent's settings, narrowed to a sync process's: the sync loop only, no children of
    its own, no migrations (the parent ran them) and no metrics port (the parent's)."""
    env = {k: v for k, v in parent.items() if k != "GRIDLINK_WORKER_METRICS_ADDRESS"}
    env.update(
        GRIDLINK_WORKER_LOOPS=SYNC_LOOP,
        GRIDLINK_SYNC_PROCESSES="0",
        GRIDLINK_MIGRATE_ON_START="false",
    )
    env[PARENT_PID] = str(os.getpid())
    return env


async def stop_with_parent(stop: asyncio.Event) -> None:
    """In a sync process: stop when the worker that started it is gone. A worker killed without
    a word (SIGKILL, the OOM killer) cannot stop its children, and an orphan would go on
    syncing beside the worker that replaces it, with settings nobody runs any more."""
    expected = os.environ.get(PARENT_PID)
    if expected is None:
        return
    while not stop.is_set():
        if os.getppid() != int(expected):
            logger.warning("the worker that started this sync process is gone; stopping")
            stop.set()
            return
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=CHECK_SECONDS)


def lower_priority(increment: int) -> None:
    """In a process that runs only syncs: let the kernel serve sign-ins and API requests first.
    A backfill is CPU-bound for seconds; at the same priority it takes an equal share of a core
    from the event loops that answer people (a sign-in's submit → verified went from 20 to
    60-1,200 ms while backfills ran). Lower, it uses what they leave, which on an idle host is
    everything."""
    if increment <= 0:
        return
    try:
        os.nice(increment)
    except OSError as exc:  # a sandbox that forbids it: run, at the same priority
        logger.warning("could not lower the sync process's CPU priority", extra={"error": str(exc)})


class SyncProcesses:
    """A worker loop that keeps ``count`` sync processes running until the worker stops."""

    name = "sync_processes"

    def __init__(self, count: int, stop_grace_seconds: float) -> None:
        self.count = count
        self.stop_grace_seconds = stop_grace_seconds
        self.children: list[Process | None] = [None] * count

    async def run(self, stop: asyncio.Event) -> None:
        backoff = Backoff(first=1.0, most=30.0)
        try:
            while not stop.is_set():
                beat(within=CHECK_SECONDS)
                for slot, child in enumerate(self.children):
                    if child is not None and child.returncode is None:
                        continue
                    if child is not None:  # it ended without being asked to
                        pause = backoff.failed()
                        logger.warning(
                            "sync process ended; starting another",
                            extra={"exit_code": child.returncode, "retry_in_seconds": pause},
                        )
                        self.children[slot] = None
                        with contextlib.suppress(TimeoutError):
                            await asyncio.wait_for(stop.wait(), timeout=pause)
                        if stop.is_set():
                            return
                    self.children[slot] = await self._start()
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=CHECK_SECONDS)
        finally:
            await self._stop_all()

    async def _start(self) -> Process:
        # The same interpreter and package, so a child runs exactly the parent's code.
        return await asyncio.create_subprocess_exec(
            sys.executable,
            "-m",
            "gridlink",
            "worker",
            env=child_environment(dict(os.environ)),
        )

    async def _stop_all(self) -> None:
        running = [c for c in self.children if c is not None and c.returncode is None]
        for child in running:
            with contextlib.suppress(ProcessLookupError):
                child.send_signal(signal.SIGTERM)
        for child in running:
            try:
                await asyncio.wait_for(child.wait(), timeout=self.stop_grace_seconds + 5)
            except TimeoutError:
                with contextlib.suppress(ProcessLookupError):
                    child.kill()
                await child.wait()
        self.children = [None] * self.count
