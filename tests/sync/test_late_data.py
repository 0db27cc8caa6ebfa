"""Late data: every scheduled sync re-reads from the last stored reading minus the connector's
look-back, so readings a utility publishes days late arrive, estimates are replaced by actual
reads, and new_utility_intervals_available names the range that changed (both databases).

user_late_data's utility publishes three days late and its newest four days are estimates; a
re-read that started from the previous run's end (as syncs once did) loses a day per run."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from gridlink.connectors.base import ConnectorContext, Credentials
from gridlink.connectors.models import Direction
from gridlink.connectors.sandbox import SandboxConnector
from gridlink.kit.clock import ManualClock
from tests.factories import make_client
from tests.sync.helpers import events, listed, verify, wait_for_event, wait_until_synced

DAY = timedelta(days=1)
LAG = timedelta(hours=72)


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0)


async def _raw(
    api: httpx.AsyncClient, auth: tuple[str, str], meter_id: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    response = await api.get(
        "/v1/utility_intervals",
        params={
            "meter_id": meter_id,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "direction": "delivered",
        },
        auth=auth,
    )
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


async def _published(now: datetime, start: datetime, end: datetime) -> list[tuple[str, float, str]]:
    """What user_late_data's utility publishes for its electric meter at ``now``."""
    connector = SandboxConnector("sandbox_electric", ConnectorContext(clock=ManualClock(now)))
    session = await connector.login(Credentials("user_late_data", "pass_good"))
    [account] = await session.fetch_accounts()
    [meter] = await session.fetch_meters(account)
    return [
        (_z(r.start), float(r.value), str(r.quality))
        for r in await session.fetch_intervals(meter, start, end)
        if r.direction == Direction.DELIVERED
    ]


def _z(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


async def test_late_and_estimated_readings_arrive_on_the_next_syncs(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    credential_id = await verify(api, client, "user_late_data")
    await wait_until_synced(api, client, credential_id)
    [meter] = await listed(api, client, "/v1/utility_meters", utility_credential_id=credential_id)
    first_now = clock.now()
    window_start = _hour(first_now) - 12 * DAY

    stored = await _raw(api, client.auth, meter["id"], window_start, first_now)
    assert stored[-1]["end"] == _z(_hour(first_now - LAG))  # everything published so far
    estimated = [r for r in stored if r["quality"] == "estimated"]
    assert estimated, "the newest published days are estimates"

    # Two days pass, one scheduled sync each.
    for day in (1, 2):
        moved = await api.post(
            "/v1/sandbox/clock",
            json={"advance_seconds": int(DAY.total_seconds())},
            auth=client.auth,
        )
        assert moved.status_code == 200, moved.text
        await wait_for_event(
            api, client, credential_id, "new_utility_intervals_available", count=day
        )
        await wait_until_synced(api, client, credential_id)

    utility_now = first_now + 2 * DAY
    stored = await _raw(api, client.auth, meter["id"], window_start, utility_now)
    expected = await _published(utility_now, window_start, utility_now)
    assert [(r["start"], r["value"], r["quality"]) for r in stored] == expected
    assert stored[-1]["end"] == _z(_hour(utility_now - LAG))  # no day lost between runs
    replaced = {r["start"] for r in estimated}
    now_actual = {r["start"] for r in stored if r["quality"] == "actual"}
    assert replaced & now_actual, "estimates older than four days were replaced by actual reads"

    changes = await events(api, client, credential_id, "new_utility_intervals_available")
    assert len(changes) == 2
    first_change = min(changes, key=lambda e: e["data"]["start"])["data"]
    # The first re-read's range starts at the first estimate it replaced, not at the new data.
    assert first_change["start"] == min(replaced)
    assert max(e["data"]["end"] for e in changes) == _z(_hour(utility_now - LAG))
