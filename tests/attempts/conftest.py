"""Engine tests run the real worker in-process (the attempt runner and the webhook dispatcher)
with short waits, so sandbox scenarios play out in well under a second each."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from gridlink import Settings, create_app
from gridlink.kit.clock import ManualClock
from tests.conftest import TEST_MASTER_KEYS
from tests.lifespan import running


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db_url,
        data_dir=tmp_path / "data",
        migrate_on_start=False,
        run_worker=True,
        worker_poll_seconds=0.05,
        master_keys=TEST_MASTER_KEYS,  # type: ignore[arg-type]
        connect_wait_seconds=1.0,
        connect_input_timeout_seconds=3.0,
        sandbox_slow_seconds=2.0,
        sandbox_timeout_seconds=0.3,
        attempt_lease_seconds=5.0,
        sync_history_months=1,  # every verification now starts a backfill: keep it short
    )


@pytest.fixture
async def app(settings: Settings, clock: ManualClock) -> AsyncIterator[FastAPI]:
    application = create_app(settings, clock=clock)
    async with running(application):
        yield application


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
