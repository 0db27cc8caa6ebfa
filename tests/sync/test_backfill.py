"""The first sync end to end through the HTTP API: verify, backfill, events, data."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import httpx
from fastapi import FastAPI

from gridlink import Settings
from gridlink.connectors.base import ConnectorContext, Credentials
from gridlink.connectors.sandbox import SandboxConnector
from gridlink.kit.clock import ManualClock
from gridlink.sync.checkpoint import local_midnight, months_back
from tests.factories import make_client
from tests.sync.helpers import (
    events,
    listed,
    verify,
    wait_for_event,
    wait_until_synced,
)


async def expected(clock: ManualClock, months: int) -> dict[str, tuple[int, int]]:
    """Per meter number: (statements, delivered readings) the sandbox has for the history, which
    starts at the meter's local midnight of the history's first day."""
    connector = SandboxConnector("sandbox_electric", ConnectorContext(clock=clock))
    session = await connector.login(Credentials("user_good", "pass_good"))
    start = months_back(clock.now(), months)
    found = {}
    for account in await session.fetch_accounts():
        for meter in await session.fetch_meters(account):
            statements = await session.fetch_statements(meter, start.date())
            first = local_midnight(start.date(), ZoneInfo(meter.time_zone))
            readings = await session.fetch_intervals(meter, first, clock.now())
            delivered = [r for r in readings if r.direction.value == "delivered"]
            found[meter.number] = (len(statements), len(delivered))
    return found


async def readings_per_day(
    api: httpx.AsyncClient, auth: tuple[str, str], meter_id: str, start: datetime, end: datetime
) -> dict[str, int]:
    response = await api.get(
        "/v1/utility_intervals",
        params={
            "meter_id": meter_id,
            "start": start.isoformat(),
            "end": end.isoformat(),
            "resolution": "day",
            "direction": "delivered",
        },
        auth=auth,
    )
    assert response.status_code == 200, response.text
    return {row["start"][:10]: row["readings"] for row in response.json()["data"]}


async def test_a_verified_credential_is_backfilled_with_events_and_data(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock, settings: Settings
) -> None:
    client = await make_client(app)
    credential_id = await verify(api, client)
    early = await api.get(
        "/v1/utility_accounts", params={"utility_credential_id": credential_id}, auth=client.auth
    )
    # Either still loading (503 + Retry-After) or already done: never a partial history.
    if early.status_code == 503:
        assert early.json()["error"]["code"] == "data_unavailable"
        assert early.headers["Retry-After"]

    meters_expected = await expected(clock, settings.sync_history_months)
    statements_events = await wait_for_event(
        api, client, credential_id, "historical_utility_statements_discovered"
    )
    interval_events = await wait_for_event(
        api,
        client,
        credential_id,
        "historical_utility_intervals_discovered",
        count=len(meters_expected),
    )
    body = await wait_until_synced(api, client, credential_id)
    assert body["status"] == "verified"
    assert body["status_detail"] is None
    sync = body["sync"]
    assert (sync["state"], sync["kind"], sync["progress"]) == ("scheduled", "scheduled", 1.0)
    assert sync["last_synced_at"] is not None
    assert sync["next_sync_at"] > clock.now().isoformat()

    accounts = await listed(
        api, client, "/v1/utility_accounts", utility_credential_id=credential_id
    )
    meters = await listed(api, client, "/v1/utility_meters", utility_credential_id=credential_id)
    statements = await listed(
        api, client, "/v1/utility_statements", utility_credential_id=credential_id
    )
    assert len(accounts) >= 1
    assert sorted(m["number"] for m in meters) == sorted(meters_expected)
    assert len(statements) == sum(s for s, _ in meters_expected.values())
    assert len(statements_events) == len(accounts)
    assert sorted(i for e in statements_events for i in e["data"]["utility_statement_ids"]) == (
        sorted(s["id"] for s in statements)
    )
    # utility_accounts_discovered came once, from the verification (the sync found no new one)
    assert len(await events(api, client, credential_id, "utility_accounts_discovered")) == 1

    start = months_back(clock.now(), settings.sync_history_months)
    for meter in meters:
        days = await readings_per_day(api, client.auth, meter["id"], start, clock.now())
        assert sum(days.values()) == meters_expected[meter["number"]][1]
        event = next(e for e in interval_events if e["data"]["meter_id"] == meter["id"])
        assert event["data"]["utility_account_id"] == meter["utility_account_id"]
        assert event["data"]["start"] >= start.isoformat().replace("+00:00", "Z")[:10]
