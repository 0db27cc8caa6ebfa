"""Signing secrets follow a key rotation: a re-wrap pass (``kit/vault/rotation.py``) that opens
each secret sealed under an older key and seals it again under the primary.

Without it, retiring the older key would leave endpoints whose deliveries can no longer be
signed. Batches are short transactions; the update is compare-and-set, so a secret rotated by
its client meanwhile keeps the newer value.
"""

from __future__ import annotations

import asyncio

from cryptography.exceptions import InvalidTag

from gridlink.kit.clock import Clock
from gridlink.kit.db import Database
from gridlink.kit.keyring import KeyringError, KeySource, Ring, key_id_of
from gridlink.kit.vault import RewrapReport
from gridlink.webhooks.repository import EndpointRepository
from gridlink.webhooks.sealing import open_secret, seal_secret


def _resealed(ring: Ring, client_id: str, endpoint_id: str, sealed: bytes) -> bytes:
    if key_id_of(sealed) == ring.primary_id:
        return sealed
    secret = open_secret(ring, client_id, endpoint_id, sealed)
    return seal_secret(ring, client_id, endpoint_id, secret)


async def _batch(
    db: Database,
    keys: KeySource[Ring],
    clock: Clock,
    after_id: str,
    limit: int,
    report: RewrapReport,
) -> tuple[str | None, int]:
    async with db.transaction() as session:
        ring = keys.refresh()  # every key that may have sealed a secret, as of now
        repo = EndpointRepository(session)
        rows = await repo.sealed_elsewhere(ring.primary_id, after_id, limit)
        done = 0
        for row in rows:
            try:
                current = _resealed(ring, row.client_id, row.id, row.secret_sealed)
                previous = row.previous_secret_sealed
                if previous is not None:
                    previous = _resealed(ring, row.client_id, row.id, previous)
            except (KeyringError, InvalidTag, ValueError):  # key gone, or altered
                report.unreadable.add(row.id)
                continue
            done += await repo.replace_sealed(row, current, previous, clock.now())
    return (rows[-1].id if rows else None), done


async def reseal_endpoint_secrets(
    db: Database, keys: KeySource[Ring], clock: Clock, batch_size: int, report: RewrapReport
) -> int:
    total, after_id = 0, ""
    while True:
        last, done = await _batch(db, keys, clock, after_id, batch_size, report)
        total += done
        if last is None:
            return total
        after_id = last
        await asyncio.sleep(0)


async def secrets_per_key(db: Database) -> dict[str, int]:
    """Signing secrets (current and previous) per key that sealed them."""
    async with db.transaction(write=False) as session:
        return await EndpointRepository(session).count_by_sealing_key()
