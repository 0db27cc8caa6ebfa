"""When a credential syncs: enqueue after verification or on request, the next scheduled check,
the backoff after a failure. Due times are utility-side (clients/clock.py); leases app time."""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.clients.clock import client_clock
from gridlink.config import Settings
from gridlink.connectors.metadata import RequestBudget
from gridlink.kit.clock import Clock
from gridlink.kit.ids import new_id
from gridlink.kit.wakeup import announce
from gridlink.models import UtilityCredential, UtilitySync
from gridlink.sync.repository import SyncRepository

SYNC_CHANNEL = "gridlink_syncs"


@dataclass(frozen=True)
class SyncSettings:
    history_months: int = 24
    interval: timedelta = timedelta(days=1)
    jitter: timedelta = timedelta(hours=1)
    chunk: timedelta = timedelta(days=31)
    overlap: timedelta = timedelta(days=2)
    finest_months: int | None = None  # overrides the connectors' backfill policy when set
    chunk_pause_seconds: float = 0.0
    lease: timedelta = timedelta(seconds=60)
    concurrency: int = 10
    # Take no more syncs while this process computed this share of the last second (kit/cpu.py):
    # CPU-bound runs then go to workers whose core is free. None: fill ``concurrency``.
    busy_share: float | None = None
    per_utility: int = 4
    retry_base: timedelta = timedelta(seconds=60)
    retry_max: timedelta = timedelta(hours=6)
    poll_seconds: float = 5.0
    # At shut-down, how long a running sync may take to finish its current step.
    stop_grace: timedelta = timedelta(seconds=10)
    # The settings' request budgets by utility or connector id (budgets/pacing.py).
    request_budgets: Mapping[str, RequestBudget] = field(default_factory=dict)

    @classmethod
    def from_settings(cls, settings: Settings) -> SyncSettings:
        return cls(
            history_months=settings.sync_history_months,
            interval=timedelta(seconds=settings.sync_interval_seconds),
            jitter=timedelta(seconds=settings.sync_jitter_seconds),
            chunk=timedelta(days=settings.sync_chunk_days),
            overlap=timedelta(days=settings.sync_overlap_days),
            finest_months=settings.sync_finest_months,
            chunk_pause_seconds=settings.sync_chunk_pause_seconds,
            lease=timedelta(seconds=settings.sync_lease_seconds),
            concurrency=settings.sync_concurrency,
            busy_share=settings.sync_busy_share or None,
            per_utility=settings.sync_per_utility_concurrency,
            retry_base=timedelta(seconds=settings.sync_retry_base_seconds),
            retry_max=timedelta(seconds=settings.sync_retry_max_seconds),
            poll_seconds=settings.sync_poll_seconds,
            request_budgets=settings.request_budget_overrides(),
        )


def next_check(settings: SyncSettings, utility_now: datetime) -> datetime:
    spread = settings.jitter.total_seconds()
    return utility_now + settings.interval + timedelta(seconds=random.uniform(-spread, spread))  # noqa: S311 - jitter, not a secret


def backoff(settings: SyncSettings, failures: int, retry_after: timedelta | None) -> timedelta:
    """Doubling from ``retry_base`` up to ``retry_max``, with up to 10 % jitter; a utility's
    own retry hint wins when it is longer."""
    seconds = settings.retry_base.total_seconds() * 2 ** max(0, failures - 1)
    seconds = min(seconds, settings.retry_max.total_seconds())
    delay = timedelta(seconds=seconds * random.uniform(1.0, 1.1))  # noqa: S311 - jitter
    return max(delay, retry_after or timedelta(0))


async def utility_now(session: AsyncSession, clock: Clock, client_id: str) -> datetime:
    offset = await SyncRepository(session).client_offset(client_id)
    return client_clock(clock, offset).now()


async def enqueue(
    session: AsyncSession, clock: Clock, credential: UtilityCredential, *, requested: bool = False
) -> UtilitySync:
    """Make the credential's sync due now (creating its row on first verification) and wake
    the sync workers after commit. A sync already running is left alone and returned."""
    repo = SyncRepository(session)
    now = clock.now()
    due = await utility_now(session, clock, credential.client_id)
    sync = await repo.for_credential(credential.id, for_update=True)
    if sync is None:
        sync = UtilitySync(
            id=new_id("syn"),
            client_id=credential.client_id,
            credential_id=credential.id,
            utility_id=credential.utility_id,
            kind="initial",
            state="scheduled",
            due_at=due,
            failures=0,
            checkpoint={},
            progress=0.0,
            created_at=now,
            updated_at=now,
        )
        await repo.add(sync)
    elif sync.state != "running":
        sync.state = "scheduled"
        sync.due_at = due
        sync.failures = 0
        sync.last_error = None
        if credential.data_ready_at is not None:
            sync.kind = "requested" if requested else "scheduled"
        sync.updated_at = now
    await announce(session, SYNC_CHANNEL)
    return sync
