"""The backfill policy: daily readings for old history, the finest for recent months, bills for
all of it — and not one reading lost or doubled where the two meet (both databases)."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from gridlink import Settings
from gridlink.connectors.base import ConnectorContext, Credentials
from gridlink.connectors.models import Direction, Resolution
from gridlink.connectors.sandbox import SandboxConnector
from gridlink.kit.clock import ManualClock
from gridlink.sync.checkpoint import local_midnight, months_back
from tests.factories import make_client
from tests.sync.conftest import sync_settings
from tests.sync.helpers import listed, verify, wait_until_synced

HISTORY_MONTHS = 4
FINEST_MONTHS = 1


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return sync_settings(
        db_url,
        tmp_path,
        sync_history_months=HISTORY_MONTHS,
        sync_finest_months=FINEST_MONTHS,
    )


async def test_old_history_is_daily_recent_months_are_finest(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    credential_id = await verify(api, client)
    await wait_until_synced(api, client, credential_id, within=120)
    [meter] = await listed(api, client, "/v1/utility_meters", utility_credential_id=credential_id)
    zone = ZoneInfo(meter["time_zone"])
    now = clock.now()
    history_start = local_midnight(months_back(now, HISTORY_MONTHS).date(), zone)
    finest_from = local_midnight(months_back(now, FINEST_MONTHS).date(), zone)

    response = await api.get(
        "/v1/utility_intervals",
        params={
            "meter_id": meter["id"],
            "start": (history_start - timedelta(days=2)).isoformat(),
            "end": now.isoformat(),
            "direction": "delivered",
        },
        auth=client.auth,
    )
    assert response.status_code == 200, response.text
    stored = response.json()["data"]
    starts = [datetime.fromisoformat(r["start"]) for r in stored]
    ends = [datetime.fromisoformat(r["end"]) for r in stored]
    assert starts[0] == history_start
    assert all(a == b for a, b in zip(ends, starts[1:], strict=False)), "a hole or an overlap"

    daily = [r for r, s in zip(stored, starts, strict=True) if s < finest_from]
    finest = [r for r, s in zip(stored, starts, strict=True) if s >= finest_from]
    days = (finest_from.astimezone(zone).date() - history_start.astimezone(zone).date()).days
    assert len(daily) == days
    for reading, start in zip(daily, starts, strict=False):
        local = start.astimezone(zone)
        assert local.time() == time(0)  # one reading per local day, midnight to midnight
        following = datetime.combine(local.date() + timedelta(days=1), time(), zone)
        assert datetime.fromisoformat(reading["end"]) == following.astimezone(UTC)
    assert {
        datetime.fromisoformat(r["end"]) - datetime.fromisoformat(r["start"]) for r in finest
    } == {timedelta(minutes=15)}

    # The daily values are the utility's daily readings; the finest the utility's finest.
    connector = SandboxConnector("sandbox_electric", ConnectorContext(clock=ManualClock(now)))
    session = await connector.login(Credentials("user_good", "pass_good"))
    [account] = await session.fetch_accounts()
    [utility_meter] = await session.fetch_meters(account)
    expected_daily = [
        float(r.value)
        for r in await session.fetch_intervals(
            utility_meter, history_start, finest_from, Resolution.DAY
        )
        if r.direction == Direction.DELIVERED
    ]
    assert [r["value"] for r in daily] == expected_daily
    expected_finest = [
        r
        for r in await session.fetch_intervals(utility_meter, finest_from, now)
        if r.direction == Direction.DELIVERED
    ]
    assert len(finest) == len(expected_finest)

    statements = await listed(api, client, "/v1/utility_statements", meter_id=meter["id"])
    assert len(statements) == HISTORY_MONTHS  # bills for all the history
