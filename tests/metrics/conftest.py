"""Metrics tests run the real app with its in-process worker (attempts, syncs, webhooks), short
waits and a short history, and read /metrics as a scraper would."""

from __future__ import annotations

from pathlib import Path

import pytest

from gridlink import Settings
from tests.sync.conftest import sync_settings


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return sync_settings(db_url, tmp_path, sync_history_months=1, webhook_allow_loopback=True)
