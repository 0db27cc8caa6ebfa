"""The default history: 24 months of statements and 15-minute intervals, DST days included."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from gridlink import Settings
from tests.factories import make_client
from tests.sync.conftest import sync_settings
from tests.sync.helpers import listed, verify, wait_until_synced


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return sync_settings(db_url, tmp_path, sync_history_months=24)


@pytest.mark.slow
async def test_the_full_backfill_has_24_statements_and_92_and_100_reading_dst_days(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    credential_id = await verify(api, client)
    await wait_until_synced(api, client, credential_id, within=240)
    meters = await listed(api, client, "/v1/utility_meters", utility_credential_id=credential_id)
    assert meters
    for meter in meters:
        statements = await listed(api, client, "/v1/utility_statements", meter_id=meter["id"])
        assert len(statements) == 24
        response = await api.get(
            "/v1/utility_intervals",
            params={
                "meter_id": meter["id"],
                "start": datetime(2025, 1, 1, tzinfo=UTC).isoformat(),
                "end": datetime(2026, 1, 1, 12, tzinfo=UTC).isoformat(),
                "resolution": "day",
                "direction": "delivered",
            },
            auth=client.auth,
        )
        assert response.status_code == 200, response.text
        assert response.json()["time_zone"] == meter["time_zone"]
        days = {row["start"][:10]: row["readings"] for row in response.json()["data"]}
        for edge in (min(days), max(days)):  # local days the UTC window cuts
            days.pop(edge)
        assert days.pop("2025-03-09") == 92  # spring forward: a 23-hour day
        assert days.pop("2025-11-02") == 100  # fall back: a 25-hour day
        assert set(days.values()) == {96}
        assert len(days) >= 365 - 2
