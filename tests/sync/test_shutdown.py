"""A clean shut-down mid-backfill: running syncs finish their step and hand their leases back,
so the next worker resumes at once instead of waiting for the lease to run out (both databases).

The clock is a ManualClock that never moves: a lease that was not handed back would never
expire, and the second app could not resume the run."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta
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


async def test_a_failure_met_while_stopping_hands_the_lease_back(
    db_url: str, tmp_path: Path, clock: ManualClock
) -> None:
    """A run whose utility failed just as the worker began to stop: its reaction cannot be
    written (the step would start after the stop), so the lease goes back and nothing escapes
    the run's task (it used to end with an unretrieved Stopping)."""
    from types import SimpleNamespace

    from gridlink.connectors.errors import TemporarilyUnavailable
    from gridlink.sync.flow import SyncRun
    from gridlink.sync.schedule import SyncSettings

    app = create_app(sync_settings(db_url, tmp_path), clock=clock)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
            client = await make_client(app)
            credential_id = await verify(api, client)
            await wait_until_synced(api, client, credential_id)
        db: Database = app.state.db
        async with db.transaction() as session:
            sync = await session.scalar(
                select(UtilitySync).where(UtilitySync.credential_id == credential_id)
            )
            assert sync is not None
            sync.state, sync.lease_owner = "running", "stopping-worker"
            sync.lease_expires_at = clock.now() + timedelta(minutes=5)
            sync_id = sync.id
        stopping = asyncio.Event()
        stopping.set()
        runner = SimpleNamespace(
            db=db,
            clock=clock,
            settings=SyncSettings(),
            worker_id="stopping-worker",
            stopping=stopping,
        )
        run = SyncRun(runner, sync_id)  # type: ignore[arg-type]
        await run._react(TemporarilyUnavailable())
        async with db.transaction(write=False) as session:
            after = await session.get(UtilitySync, sync_id)
        assert after is not None
        assert after.lease_expires_at is not None
        assert after.lease_expires_at <= clock.now()  # handed back: any worker resumes now
        assert after.state == "running"  # the reaction was not written: the next run decides
