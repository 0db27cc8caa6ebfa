"""Sync workers share the queue: the per-utility cap holds across workers, workers woken together
take turns, and a worker whose core is saturated leaves work to the others (ADR 0024).

Each runner here has a database pool of its own, as a separate process has.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from fastapi import FastAPI

from gridlink import Settings
from gridlink.data.files import FileStore
from gridlink.kit.cpu import ProcessLoad
from gridlink.kit.db import Database
from gridlink.sync.repository import SyncRepository
from gridlink.sync.runner import SyncRunner
from gridlink.sync.schedule import SyncSettings
from gridlink.worker.registry import build_connectors
from tests.factories import make_client, make_credential
from tests.sync.conftest import sync_settings
from tests.sync.test_two_workers import _sandbox_credential


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return sync_settings(db_url, tmp_path, run_worker=False)  # the test runs its own workers


@pytest.fixture
async def pools(app: FastAPI) -> AsyncIterator[list[Database]]:
    databases = [Database(app.state.db.url) for _ in range(2)]
    yield databases
    for db in databases:
        await db.dispose()


async def _due_credentials(app: FastAPI, count: int) -> None:
    client = await make_client(app)
    for n in range(count):
        await _sandbox_credential(app, client.id, await make_credential(app, client, f"u{n}"))


def _runners(
    app: FastAPI, settings: Settings, pools: list[Database], tuned: SyncSettings
) -> list[SyncRunner]:
    registry = build_connectors(settings)
    files = FileStore(settings.resolved_files_dir())
    return [
        SyncRunner(db, app.state.clock, app.state.vault, registry, files, tuned) for db in pools
    ]


async def _most_running(app: FastAPI, until: asyncio.Event) -> int:
    """The most syncs seen running at one utility at once, read from the database."""
    most = 0
    while not until.is_set():
        async with app.state.db.transaction(write=False) as session:
            running = await SyncRepository(session).running_per_utility(app.state.clock.now())
        most = max([most, *running.values()])
        await asyncio.sleep(0.002)
    return most


async def test_the_per_utility_cap_holds_across_workers(
    app: FastAPI, settings: Settings, pools: list[Database]
) -> None:
    await _due_credentials(app, 16)
    tuned = SyncSettings(
        history_months=1,
        chunk=SyncSettings().chunk / 8,
        concurrency=10,
        per_utility=2,
        poll_seconds=0.01,
    )
    runners = _runners(app, settings, pools, tuned)
    done = asyncio.Event()
    watcher = asyncio.create_task(_most_running(app, done))
    stop = asyncio.Event()
    tasks = [asyncio.create_task(r.run(stop)) for r in runners]
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and sum(len(r.history) for r in runners) < 16:  # noqa: ASYNC110 - polling two runners
        await asyncio.sleep(0.05)
    stop.set()
    await asyncio.gather(*tasks)
    done.set()
    most = await watcher
    assert sum(len(r.history) for r in runners) >= 16
    assert most == 2  # reached, never passed


async def test_workers_woken_together_take_turns(
    app: FastAPI, settings: Settings, pools: list[Database]
) -> None:
    await _due_credentials(app, 10)
    tuned = SyncSettings(history_months=1, concurrency=10, per_utility=100, poll_seconds=30)
    first, second = _runners(app, settings, pools, tuned)
    try:
        taken = await asyncio.gather(first.claim(), second.claim())
        # A batch claim gave the first worker awake everything and the other nothing.
        assert sorted(len(ids) for ids in taken) == [5, 5] or min(map(len, taken)) >= 3
        assert sum(map(len, taken)) == 10
    finally:
        for runner in (first, second):
            runner.stopping.set()
            await asyncio.gather(*runner.alive, return_exceptions=True)


async def test_a_saturated_worker_takes_no_more(
    app: FastAPI, settings: Settings, pools: list[Database]
) -> None:
    await _due_credentials(app, 4)
    tuned = SyncSettings(history_months=1, concurrency=10, per_utility=100, busy_share=0.9)
    (runner,) = _runners(app, settings, pools[:1], tuned)
    # The process's CPU clock, as the kernel would report a core busy all the time.
    wall = [0.0]
    runner.load = ProcessLoad(window_seconds=1, wall=lambda: wall[0], cpu=lambda: wall[0])
    try:
        wall[0] = 2.0
        assert len(await runner.claim()) == 1  # one at least, busy or not
        assert await runner.claim() == []  # saturated: leave the rest to idle workers
        runner.load = ProcessLoad(window_seconds=1, wall=lambda: wall[0], cpu=lambda: 0.0)
        wall[0] = 4.0
        assert len(await runner.claim()) == 3  # idle again: the rest
    finally:
        runner.stopping.set()
        await asyncio.gather(*runner.alive, return_exceptions=True)


def test_process_load_is_cpu_time_over_wall_time() -> None:
    wall, cpu = [0.0], [0.0]
    load = ProcessLoad(window_seconds=1, wall=lambda: wall[0], cpu=lambda: cpu[0])
    wall[0], cpu[0] = 0.5, 0.5
    assert load.share() == 0.0  # no whole window yet
    wall[0], cpu[0] = 2.0, 0.5
    assert load.share() == 0.25
    wall[0], cpu[0] = 4.0, 2.5
    assert load.share() == 1.0
