"""A clean shut-down mid-backfill: running syncs finish their step and hand their leases back,
so the next worker resumes at once instead of waiting for the lease to run out (both databases).

The clock is a ManualClock that never moves: a lease that was not handed back would never
expire, and the second app could not resume the run."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager
from sqlalchemy import select

from gridlink import create_app
from gridlink.kit.clock import ManualClock
from gridlink.kit.db import Database
from gridlink.models import UtilitySync
from tests.factories import make_client
from tests.sync.conftest import sync_settings
from tests.sync.helpers import verify, wait_until_synced


async def _running_sync(db: object, credential_id: str) -> UtilitySync:
    deadline = time.monotonic() + 30
    while True:
        async with db.transaction(write=False) as session:  # type: ignore[attr-defined]
            sync = await session.scalar(
                select(UtilitySync).where(UtilitySync.credential_id == credential_id)
            )
        if sync is not None and sync.state == "running" and (sync.progress or 0) > 0:
            return sync
        assert time.monotonic() < deadline, "the backfill never got going"
        await asyncio.sleep(0.02)


async def test_shutdown_hands_the_lease_back_and_a_new_worker_resumes(
    db_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    # A pause between chunks keeps the backfill running long enough to stop it half-way.
    settings = sync_settings(db_url, tmp_path, sync_history_months=12, sync_chunk_pause_seconds=0.2)
    first = create_app(settings, clock=clock)
    async with LifespanManager(first):
        transport = httpx.ASGITransport(app=first)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
            client = await make_client(first)
            credential_id = await verify(api, client)
            await _running_sync(first.state.db, credential_id)

    db = Database(db_url)
    try:
        async with db.transaction(write=False) as session:
            sync = await session.scalar(
                select(UtilitySync).where(UtilitySync.credential_id == credential_id)
            )
    finally:
        await db.dispose()
    assert sync is not None
    assert sync.state == "running"  # stopped half-way ...
    assert 0 < sync.progress < 1
    assert sync.lease_expires_at is not None
    assert sync.lease_expires_at <= clock.now()  # ... with its lease handed back

    second = create_app(settings, clock=clock)
    async with LifespanManager(second):
        transport = httpx.ASGITransport(app=second)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
            body = await wait_until_synced(api, client, credential_id, within=60)
    assert body["sync"]["progress"] == 1
