"""Metrics tests run the real app with its in-process worker (attempts, syncs, webhooks), short
waits and a short history, and read /metrics as a scraper would."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from gridlink import Settings, create_app
from gridlink.kit.clock import ManualClock
from tests.lifespan import running
from tests.sync.conftest import sync_settings


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return sync_settings(db_url, tmp_path, sync_history_months=1, webhook_allow_loopback=True)


@pytest.fixture
async def app(settings: Settings, clock: ManualClock) -> AsyncIterator[FastAPI]:
    async with running(create_app(settings, clock=clock)) as application:
        yield application


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client
