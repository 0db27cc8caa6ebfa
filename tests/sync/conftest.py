"""Sync tests run the real worker in-process (attempts, syncs, webhooks) with short waits and
a short history (2 months), so a backfill takes a moment; one test backfills the full 24."""

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


def sync_settings(db_url: str, tmp_path: Path, **overrides: object) -> Settings:
    values: dict[str, object] = {
        "database_url": db_url,
        "data_dir": tmp_path / "data",
        "migrate_on_start": False,
        "run_worker": True,
        "worker_poll_seconds": 0.05,
        "master_keys": TEST_MASTER_KEYS,
        "connect_wait_seconds": 5.0,
        "attempt_lease_seconds": 5.0,
        "sync_history_months": 2,
        "sync_poll_seconds": 0.05,
        "sync_lease_seconds": 5.0,
        "sync_jitter_seconds": 0.0,
        "sync_retry_base_seconds": 600.0,
        **overrides,
    }
    return Settings(**values)  # type: ignore[arg-type]


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return sync_settings(db_url, tmp_path)


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
