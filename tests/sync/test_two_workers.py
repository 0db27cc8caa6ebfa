"""Two sync workers, many credentials: no credential is ever synced by both at once."""

from __future__ import annotations

import asyncio
import itertools
import time
from pathlib import Path

import pytest
from fastapi import FastAPI

from gridlink import Settings
from gridlink.data.files import FileStore
from gridlink.kit.vault import Owner
from gridlink.models import UtilityCredential
from gridlink.sync.runner import SyncRunner
from gridlink.sync.schedule import SyncSettings, enqueue
from gridlink.worker.registry import build_connectors
from tests.factories import make_client, make_credential
from tests.sync.conftest import sync_settings

CREDENTIALS = 12


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return sync_settings(db_url, tmp_path, run_worker=False)  # the test runs its own workers


async def _sandbox_credential(app: FastAPI, client_id: str, credential_id: str) -> None:
    async with app.state.db.transaction() as session:
        owner = Owner(client_id, credential_id)
        for field, value in (("username", b"user_good"), ("password", b"pass_good")):
            await app.state.vault.seal(session, owner=owner, field=field, plaintext=value)
        credential = await session.get(UtilityCredential, credential_id)
        assert credential is not None
        await enqueue(session, app.state.clock, credential)


async def test_two_workers_never_sync_one_credential_at_once(
    app: FastAPI, settings: Settings
) -> None:
    client = await make_client(app)
    ids = []
    for n in range(CREDENTIALS):
        credential_id = await make_credential(app, client, f"user-{n}")
        await _sandbox_credential(app, client.id, credential_id)
        ids.append(credential_id)
    tuned = SyncSettings(
        history_months=1,
        chunk=SyncSettings().chunk / 8,  # a few chunks each: many lease checks
        lease=SyncSettings().lease / 20,  # 3 s, renewed every second
        concurrency=3,
        per_utility=100,
        poll_seconds=0.02,
    )
    registry = build_connectors(settings)
    files = FileStore(settings.resolved_files_dir())
    runners = [
        SyncRunner(app.state.db, app.state.clock, app.state.vault, registry, files, tuned)
        for _ in range(2)
    ]
    stop = asyncio.Event()
    tasks = [asyncio.create_task(r.run(stop)) for r in runners]
    deadline = time.monotonic() + 120
    try:
        while time.monotonic() < deadline:
            async with app.state.db.transaction(write=False) as session:
                ready = [
                    (await session.get(UtilityCredential, i, populate_existing=True)) for i in ids
                ]
            if all(c is not None and c.data_ready_at is not None for c in ready):
                break
            await asyncio.sleep(0.05)
    finally:
        stop.set()
        await asyncio.gather(*tasks)

    assert all(c is not None and c.data_ready_at is not None for c in ready)
    runs = [claim for runner in runners for claim in runner.history]
    assert len({run.sync_id for run in runs}) == CREDENTIALS
    assert {run.worker_id for run in runs} == {r.worker_id for r in runners}  # both worked
    by_sync: dict[str, list[tuple[float, float]]] = {}
    for run in runs:
        by_sync.setdefault(run.sync_id, []).append((run.started, run.ended))
    for spans in by_sync.values():
        spans.sort()
        for (_, end), (start, _) in itertools.pairwise(spans):
            assert end <= start, "two runs of one credential overlapped"
