"""Re-wrapping data keys under the primary key, while the server keeps serving.

Data keys are unwrapped with whichever key wrapped them (a master key, a key pair, or a master
key from before a deployment was split) and wrapped again under the primary, in small batches,
each its own short transaction. Field ciphertexts are not touched, except fields an API process
sealed straight to an older key pair (ADR 0012): those move under their record's data key. A
sweep runs every pass once over its table; sweeps repeat (after a short pause that lets seals
already in flight commit) until one finds nothing left, so the job is resumable and idempotent:
run it again at any time. Other owners of sealed values (webhook signing secrets) add their own
pass with the same signature.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

from gridlink.kit.clock import Clock
from gridlink.kit.db import Database
from gridlink.kit.keyring import KeySource, Ring
from gridlink.kit.vault import envelope
from gridlink.kit.vault.repository import VaultRepository
from gridlink.kit.vault.vault import VaultError, open_sealed_to_key, unwrap_data_key

logger = logging.getLogger(__name__)

MAX_SWEEPS = 10


@dataclass
class RewrapReport:
    primary_id: str
    rewrapped: int = 0
    sweeps: int = 0
    unreadable: set[str] = field(default_factory=set)
    finished: bool = False
    by_kind: dict[str, int] = field(default_factory=dict)

    def count(self, kind: str, n: int) -> None:
        self.rewrapped += n
        self.by_kind[kind] = self.by_kind.get(kind, 0) + n


Pass = Callable[[Database, KeySource[Ring], Clock, int, RewrapReport], Awaitable[int]]
"""One walk over one kind of sealed value: re-seals what is not under the primary key and
returns how many it re-sealed (ids it cannot open go to ``report.unreadable``)."""


async def _rewrap_batch(
    db: Database,
    keys: KeySource[Ring],
    clock: Clock,
    after_id: str,
    limit: int,
    report: RewrapReport,
) -> tuple[str | None, int]:
    """Re-wrap up to ``limit`` data keys after ``after_id``; the last id seen and the count."""
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
        done = await repo.replace_wrapping(changes, clock.now())
    return (rows[-1].id if rows else None), done


async def rewrap_data_keys(
    db: Database, keys: KeySource[Ring], clock: Clock, batch_size: int, report: RewrapReport
) -> int:
    total, after_id = 0, ""
    while True:
        last, done = await _rewrap_batch(db, keys, clock, after_id, batch_size, report)
        total += done
        if last is None:
            return total
        after_id = last
        await asyncio.sleep(0)  # let the server's own transactions in


async def _adopt_batch(
    db: Database,
    keys: KeySource[Ring],
    clock: Clock,
    after: tuple[str, str],
    limit: int,
    report: RewrapReport,
) -> tuple[tuple[str, str] | None, int]:
    async with db.transaction() as session:
        ring = keys.current()
        repo = VaultRepository(session)
        rows = await repo.fields_sealed_elsewhere(ring.primary_id, after, limit)
        done = 0
        for row, name, sealed in rows:
            try:
                plaintext = open_sealed_to_key(keys, row, name, sealed)
                data_key = unwrap_data_key(keys, row)
            except VaultError:
                report.unreadable.add(f"{row.id}/{name}")
                continue
            aad = envelope.field_aad(row.client_id, row.record_id, name, row.id)
            moved = envelope.encrypt(data_key, plaintext, aad)
            done += await repo.replace_field(row.id, name, sealed, moved, clock.now())
    return ((rows[-1][0].id, rows[-1][1]) if rows else None), done


async def adopt_sealed_fields(
    db: Database, keys: KeySource[Ring], clock: Clock, batch_size: int, report: RewrapReport
) -> int:
    """Move fields sealed straight to an older key pair under their record's data key."""
    total, after = 0, ("", "")
    while True:
        last, done = await _adopt_batch(db, keys, clock, after, batch_size, report)
        total += done
        if last is None:
            return total
        after = last
        await asyncio.sleep(0)


VAULT_PASSES: tuple[tuple[str, Pass], ...] = (
    ("data key", rewrap_data_keys),
    ("field sealed to a key pair", adopt_sealed_fields),
)


async def rewrap_all(
    db: Database,
    keys: KeySource[Ring],
    clock: Clock,
    *,
    batch_size: int = 200,
    settle_seconds: float = 1.0,
    passes: Sequence[tuple[str, Pass]] = VAULT_PASSES,
) -> RewrapReport:
    """Sweep until nothing is left under another key (or ``MAX_SWEEPS``)."""
    report = RewrapReport(primary_id=keys.current().primary_id)
    while report.sweeps < MAX_SWEEPS:
        before = report.rewrapped
        for kind, walk in passes:
            report.count(kind, await walk(db, keys, clock, batch_size, report))
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
    """What each key protects in the vault: data keys it wraps, plus fields sealed to it."""
    async with db.transaction(write=False) as session:
        repo = VaultRepository(session)
        counts = await repo.count_by_master_key()
        for key_id, n in (await repo.count_fields_by_key_pair()).items():
            counts[key_id] = counts.get(key_id, 0) + n
    return counts
