"""Re-wrapping data keys under the primary master key, while the server keeps serving.

Only data keys change: each is unwrapped with whichever master key wrapped it and wrapped again
under the primary, in small batches, each its own short transaction. Field ciphertexts are not
touched. A sweep walks the table once in id order; sweeps repeat (after a short pause that lets
seals already in flight commit) until one finds nothing left, so the job is resumable and
idempotent: run it again at any time.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass, field

from gridlink.kit.clock import Clock
from gridlink.kit.db import Database
from gridlink.kit.keyring import KeySource
from gridlink.kit.vault import envelope
from gridlink.kit.vault.repository import VaultRepository
from gridlink.kit.vault.vault import VaultError, unwrap_data_key

logger = logging.getLogger(__name__)

MAX_SWEEPS = 10


@dataclass
class RewrapReport:
    primary_id: str
    rewrapped: int = 0
    sweeps: int = 0
    unreadable: set[str] = field(default_factory=set)
    finished: bool = False


async def _rewrap_batch(
    db: Database, keys: KeySource, clock: Clock, after_id: str, limit: int, report: RewrapReport
) -> str | None:
    """Re-wrap up to ``limit`` data keys after ``after_id``; returns the last id seen."""
    async with db.transaction() as session:
        ring = keys.current()
        report.primary_id = ring.primary_id
        repo = VaultRepository(session)
        rows = await repo.wrapped_elsewhere(ring.primary_id, after_id, limit)
        changes = []
        for row in rows:
            try:
                data_key = unwrap_data_key(keys, row)
            except VaultError:
                report.unreadable.add(row.id)
                continue
            aad = envelope.wrap_aad(row.client_id, row.record_id, row.id)
            wrapped = envelope.wrap(ring, data_key, aad)
            changes.append((row.id, row.master_key_id, ring.primary_id, wrapped))
        report.rewrapped += await repo.replace_wrapping(changes, clock.now())
    return rows[-1].id if rows else None


async def rewrap_all(
    db: Database,
    keys: KeySource,
    clock: Clock,
    *,
    batch_size: int = 200,
    settle_seconds: float = 1.0,
    pause_seconds: float = 0.0,
) -> RewrapReport:
    """Sweep until no data key is left under another master key (or ``MAX_SWEEPS``)."""
    report = RewrapReport(primary_id=keys.current().primary_id)
    while report.sweeps < MAX_SWEEPS:
        before = report.rewrapped
        after_id: str | None = ""
        while after_id is not None:
            after_id = await _rewrap_batch(db, keys, clock, after_id, batch_size, report)
            await asyncio.sleep(pause_seconds)  # let the server's own transactions in
        report.sweeps += 1
        logger.info(
            "re-wrap sweep done",
            extra={"sweep": report.sweeps, "rewrapped": report.rewrapped - before},
        )
        if report.rewrapped == before:
            report.finished = True
            break
        await asyncio.sleep(settle_seconds)
    return report


async def data_keys_per_master_key(db: Database) -> dict[str, int]:
    async with db.transaction(write=False) as session:
        return await VaultRepository(session).count_by_master_key()
