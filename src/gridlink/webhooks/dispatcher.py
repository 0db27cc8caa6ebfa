"""The delivery worker: claim due deliveries, send them, record what happened.

Three steps, never one long transaction: a short transaction claims a batch (leases it), the
HTTP requests run outside any transaction, and another short transaction records a batch of
outcomes. A worker that dies between the steps loses nothing: its leases run out and the rows
become due again for any worker (at-least-once; receivers deduplicate on ``webhook-id``).

``run`` keeps up to ``concurrency`` requests in flight and wakes on commit (kit/wakeup.py),
polling every ``poll_seconds`` for retries that come due. ``run_once`` delivers what is due
now and returns: for tests and one-shot use.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from dataclasses import dataclass
from datetime import timedelta

from gridlink.config import Settings
from gridlink.kit.clock import Clock
from gridlink.kit.db import Database
from gridlink.kit.heartbeat import beat
from gridlink.kit.ids import new_worker_id
from gridlink.kit.keyring import Ring
from gridlink.kit.outages import Backoff, log_failure, retry_transient
from gridlink.kit.request_context import start_job
from gridlink.kit.tasks import cancel_and_wait
from gridlink.kit.wakeup import Waiter
from gridlink.metrics.recording import deliveries_recorded
from gridlink.webhooks.delivery_repository import ClaimedDelivery, DeliveryRepository
from gridlink.webhooks.outbox import WAKEUP_CHANNEL
from gridlink.webhooks.recording import record_results, report_failed
from gridlink.webhooks.sender import AttemptResult, Sender, describe_error
from gridlink.webhooks.targets import Resolver, Targets, system_resolver

logger = logging.getLogger(__name__)

MAX_RECORD_BATCH = 500
SHUTDOWN_GRACE_SECONDS = 5.0


@dataclass(frozen=True)
class DeliverySettings:
    lease: timedelta = timedelta(seconds=60)
    batch_size: int = 50
    concurrency: int = 100
    poll_seconds: float = 1.0
    timeout_seconds: float = 15.0
    allow_loopback: bool = False  # sandbox clients' loopback receivers (a local server only)

    @classmethod
    def from_settings(cls, settings: Settings) -> DeliverySettings:
        if settings.webhook_lease_seconds <= settings.webhook_timeout_seconds:
            logger.warning(
                "GRIDLINK_WEBHOOK_LEASE_SECONDS is not above GRIDLINK_WEBHOOK_TIMEOUT_SECONDS: "
                "a slow receiver's deliveries may be sent twice"
            )
        return cls(
            lease=timedelta(seconds=settings.webhook_lease_seconds),
            batch_size=settings.webhook_batch_size,
            concurrency=settings.webhook_concurrency,
            poll_seconds=settings.webhook_poll_seconds,
            timeout_seconds=settings.webhook_timeout_seconds,
            allow_loopback=settings.webhook_loopback_allowed(),
        )


class Dispatcher:
    name = "webhook_deliveries"

    def __init__(
        self,
        db: Database,
        clock: Clock,
        keyring: Ring,
        settings: DeliverySettings | None = None,
        *,
        resolver: Resolver = system_resolver,
    ) -> None:
        self.db = db
        self.clock = clock
        self.settings = settings or DeliverySettings()
        self.keyring = keyring
        self.resolver = resolver
        self._sender: Sender | None = None
        self._backoff = Backoff()
        self.worker_id = new_worker_id()
        self._claims = itertools.count(1)

    @property
    def sender(self) -> Sender:
        if self._sender is None:
            self._sender = Sender(
                self.clock,
                self.keyring,
                Targets(self.resolver, self.settings.allow_loopback),
                timeout_seconds=self.settings.timeout_seconds,
                max_connections=self.settings.concurrency,
            )
        return self._sender

    async def aclose(self) -> None:
        """Close the HTTP connections (``run`` does this itself when it ends)."""
        sender, self._sender = self._sender, None
        if sender is not None:
            await sender.aclose()

    async def claim(self, limit: int) -> list[ClaimedDelivery]:
        owner = f"{self.worker_id}#{next(self._claims)}"[-80:]
        now = self.clock.now()
        async with self.db.transaction() as session:
            return await DeliveryRepository(session).claim(
                owner, now, now + self.settings.lease, limit
            )

    async def attempt(self, delivery: ClaimedDelivery) -> AttemptResult:
        """One attempt, always as an outcome to record (an unexpected error included, so it
        shows in the endpoint's log and follows the retry schedule)."""
        start_job(delivery_id=delivery.delivery_id, webhook_endpoint_id=delivery.endpoint_id)
        if not delivery.enabled:
            return AttemptResult(delivery, self.clock.now(), None, 0, "endpoint disabled")
        try:
            return await self.sender.send(delivery)
        except Exception as exc:  # e.g. a secret sealed under a master key no longer configured
            logger.exception("webhook attempt failed", extra={"delivery_id": delivery.delivery_id})
            return AttemptResult(delivery, self.clock.now(), None, 0, describe_error(exc))

    async def record(self, results: list[AttemptResult]) -> None:
        async with self.db.transaction() as session:
            ended = await record_results(session, self.clock, results)
        report_failed(ended)  # after the commit: a rolled-back batch is sent and reported again
        deliveries_recorded(results, ended)

    async def run_once(self) -> int:
        """Deliver everything due now (in batches) and return how many attempts were made."""
        total = 0
        while claimed := await self.claim(self.settings.batch_size):
            results = await asyncio.gather(*(self.attempt(d) for d in claimed))
            await self.record(list(results))
            total += len(claimed)
        return total

    async def run(self, stop: asyncio.Event) -> None:
        results: asyncio.Queue[AttemptResult | None] = asyncio.Queue()
        inflight: set[asyncio.Task[None]] = set()
        recorder = asyncio.create_task(self._record_forever(results))
        try:
            async with Waiter(self.db, WAKEUP_CHANNEL) as waiter:
                stopper = asyncio.create_task(_set_when(stop, waiter.bell))
                try:
                    await self._claim_forever(stop, waiter, inflight, results)
                finally:
                    await cancel_and_wait(stopper)
        finally:
            await _finish(inflight)
            results.put_nowait(None)
            await recorder
            await self.aclose()

    async def _claim_forever(
        self,
        stop: asyncio.Event,
        waiter: Waiter,
        inflight: set[asyncio.Task[None]],
        results: asyncio.Queue[AttemptResult | None],
    ) -> None:
        batch = self.settings.batch_size
        while not stop.is_set():
            beat(within=self.settings.poll_seconds)  # kit/heartbeat.py
            free = self.settings.concurrency - len(inflight)
            if inflight and free < min(batch, self.settings.concurrency) // 2 + 1:
                await asyncio.wait(
                    inflight, timeout=self.settings.poll_seconds, return_when="FIRST_COMPLETED"
                )
                continue
            waiter.clear()
            try:
                claimed = await self.claim(min(free, batch))
                self._backoff.succeeded()
            except Exception as error:
                pause = self._backoff.failed()
                log_failure(logger, "claiming webhook deliveries failed", error, pause)
                await waiter.wait(pause)
                continue
            for delivery in claimed:
                task = asyncio.create_task(self._send(delivery, results))
                inflight.add(task)
                task.add_done_callback(inflight.discard)
            if len(claimed) < min(free, batch):
                await waiter.wait(self.settings.poll_seconds)

    async def _send(
        self, delivery: ClaimedDelivery, results: asyncio.Queue[AttemptResult | None]
    ) -> None:
        results.put_nowait(await self.attempt(delivery))

    async def _record_forever(self, results: asyncio.Queue[AttemptResult | None]) -> None:
        """Record outcomes in batches of whatever has arrived (None, queued last, ends it)."""
        while (item := await results.get()) is not None:
            batch = [item]
            while not results.empty() and len(batch) < MAX_RECORD_BATCH:
                if (item := results.get_nowait()) is None:
                    await self._record_safely(batch)
                    return
                batch.append(item)
            await self._record_safely(batch)

    async def _record_safely(self, batch: list[AttemptResult]) -> None:
        try:
            # A database away for a moment: keep the outcomes until it is back, within the
            # lease, rather than send every one of them again.
            await retry_transient(
                lambda: self.record(batch),
                give_up_after=self.settings.lease.total_seconds() / 2,
                what="record webhook attempts",
            )
        except Exception:
            # The leases run out and the rows are sent again: at-least-once, never lost.
            logger.exception("recording webhook attempts failed", extra={"count": len(batch)})


async def _set_when(stop: asyncio.Event, bell: asyncio.Event) -> None:
    await stop.wait()
    bell.set()


async def _finish(inflight: set[asyncio.Task[None]]) -> None:
    """Let requests in flight end (briefly); whatever is cut off is resent after its lease."""
    if not inflight:
        return
    _done, pending = await asyncio.wait(set(inflight), timeout=SHUTDOWN_GRACE_SECONDS)
    await cancel_and_wait(*pending)
