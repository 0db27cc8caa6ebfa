"""One scrape: the counters of this process, plus the facts read when asked — the database
pool, the queues (cached a few seconds, so many scrapers cost one set of queries) and the
worker loops' heartbeats, when this process runs a worker."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterable, Iterator

from prometheus_client import generate_latest
from prometheus_client.metrics_core import CounterMetricFamily, GaugeMetricFamily, Metric
from sqlalchemy.ext.asyncio import AsyncEngine
from sqlalchemy.pool import QueuePool

from gridlink.kit.clock import Clock
from gridlink.kit.db import Database
from gridlink.kit.heartbeat import WorkerHealth
from gridlink.metrics import definitions as names
from gridlink.metrics.definitions import REGISTRY
from gridlink.metrics.repository import Backlog, QueueRepository

QUEUE_CACHE_SECONDS = 5.0


class Scraper:
    """Per process (app.state.metrics): what ``GET /metrics`` renders."""

    def __init__(self, db: Database, clock: Clock, worker: WorkerHealth | None = None) -> None:
        self.db = db
        self.clock = clock
        self.worker = worker
        self._queues: dict[str, Backlog] = {}
        self._read_at = -QUEUE_CACHE_SECONDS
        self._lock = asyncio.Lock()

    async def render(self) -> bytes:
        facts = [*self._pool(), *await self._queue_families(), *self._loops()]
        return generate_latest(_Joined(facts))

    async def queues(self) -> dict[str, Backlog]:
        """The backlogs, read at most once per ``QUEUE_CACHE_SECONDS`` whoever asks."""
        async with self._lock:  # concurrent scrapes wait for one read rather than each reading
            if time.monotonic() - self._read_at >= QUEUE_CACHE_SECONDS:
                now = self.clock.now()
                async with self.db.transaction(write=False) as session:
                    repo = QueueRepository(session)
                    self._queues = {
                        "connection_attempts": await repo.queued_attempts(),
                        "utility_syncs": await repo.due_syncs(now),
                        "webhook_deliveries": await repo.due_deliveries(now),
                    }
                self._read_at = time.monotonic()
            return self._queues

    async def _queue_families(self) -> list[Metric]:
        depth = GaugeMetricFamily(names.QUEUE_DEPTH, names.QUEUE_DEPTH_HELP, labels=["queue"])
        age = GaugeMetricFamily(names.QUEUE_AGE, names.QUEUE_AGE_HELP, labels=["queue"])
        now = self.clock.now()
        for queue, backlog in (await self.queues()).items():
            depth.add_metric([queue], backlog.depth)
            oldest = backlog.oldest_due
            waited = 0.0 if oldest is None else (now - oldest).total_seconds()
            age.add_metric([queue], max(0.0, waited))
        return [depth, age]

    def _pool(self) -> list[Metric]:
        """Connections of each engine's pool (SQLite has a writer and a reader engine)."""
        help_text = "Database pool connections: {}, by engine."
        out = GaugeMetricFamily(
            names.POOL_CHECKED_OUT, help_text.format("in use"), labels=["engine"]
        )
        size = GaugeMetricFamily(
            names.POOL_SIZE, help_text.format("the pool's steady size"), labels=["engine"]
        )
        overflow = GaugeMetricFamily(
            names.POOL_OVERFLOW,
            help_text.format("opened beyond the size (negative: not all opened yet)"),
            labels=["engine"],
        )
        for label, engine in _engines(self.db):
            pool = engine.sync_engine.pool
            # Both dialects use a QueuePool (kit/db.py); another pool class has no such counts.
            if isinstance(pool, QueuePool):
                out.add_metric([label], pool.checkedout())
                size.add_metric([label], pool.size())
                overflow.add_metric([label], pool.overflow())
        return [out, size, overflow]

    def _loops(self) -> list[Metric]:
        if self.worker is None:
            return []
        up = GaugeMetricFamily(
            names.LOOP_UP,
            "1 if the worker loop is healthy (not crashed, not stalled), else 0.",
            labels=["loop"],
        )
        age = GaugeMetricFamily(
            names.LOOP_AGE, "Seconds since the worker loop last made progress.", labels=["loop"]
        )
        crashes = CounterMetricFamily(
            names.LOOP_CRASHES, "Times the worker loop crashed and was restarted.", labels=["loop"]
        )
        for name, health in self.worker.loops.items():
            up.add_metric([name], 0.0 if health.problem(self.worker.stall_seconds) else 1.0)
            age.add_metric([name], health.age())
            crashes.add_metric([name], health.crashes)
        return [up, age, crashes]


def _engines(db: Database) -> Iterator[tuple[str, AsyncEngine]]:
    yield "write", db.engine
    if db.read_engine is not db.engine:
        yield "read", db.read_engine


class _Joined:
    """The registry's metrics followed by this scrape's facts (a ``Collector``)."""

    def __init__(self, facts: Iterable[Metric]) -> None:
        self.facts = list(facts)

    def collect(self) -> Iterator[Metric]:
        yield from REGISTRY.collect()
        yield from self.facts
