"""What a reading carries besides its value — cost, quality, time-of-use components — is stored,
revised and served (JSON and CSV, raw and rolled up), on both databases."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import replace
from datetime import timedelta
from decimal import Decimal

import httpx
from fastapi import FastAPI

from gridlink.connectors.models import (
    Direction,
    IntervalReading,
    ReadingComponent,
    ReadingQuality,
)
from gridlink.data import service
from gridlink.data.service import IntervalChange
from gridlink.kit.db import Database
from tests.data.helpers import Seeded, seed, utc
from tests.factories import TestClient, make_client

PATH = "/v1/utility_intervals"
HOUR = timedelta(hours=1)
START = utc(2025, 7, 1, 4)  # local midnight in New York (EDT)


def _hours(count: int) -> list[IntervalReading]:
    """Hourly readings; on-peak 16:00-21:00 local (20:00-01:00 UTC) with its own price."""
    out = []
    for i in range(count):
        at = START + i * HOUR
        peak = at.hour >= 20 or at.hour < 1
        price = Decimal("0.45") if peak else Decimal("0.20")
        value = Decimal("1.5")
        out.append(
            IntervalReading(
                at,
                HOUR,
                value,
                "kWh",
                Direction.DELIVERED,
                cost=value * price,
                quality=ReadingQuality.ACTUAL,
                components=(
                    ReadingComponent(
                        period="ON_PEAK" if peak else "OFF_PEAK",
                        season="SUMMER",
                        usage=value,
                        cost=value * price,
                    ),
                ),
            )
        )
    return out


async def _write(app: FastAPI, seeded: Seeded, readings: list[IntervalReading]) -> IntervalChange:
    db: Database = app.state.db
    async with db.transaction() as session:
        return await service.upsert_intervals(session, seeded.meter_id, readings)


async def _get(api: httpx.AsyncClient, client: TestClient, **params: object) -> httpx.Response:
    response = await api.get(PATH, params=params, auth=client.auth)
    assert response.status_code == 200, response.text
    return response


async def _seeded(app: FastAPI) -> tuple[TestClient, Seeded]:
    client = await make_client(app)
    return client, await seed(app, client)


async def test_cost_quality_and_components_round_trip(app: FastAPI, api: httpx.AsyncClient) -> None:
    client, seeded = await _seeded(app)
    await _write(app, seeded, _hours(48))
    window = {"meter_id": seeded.meter_id, "start": START.isoformat(), "end": "2025-07-03T04:00Z"}

    raw = (await _get(api, client, **window)).json()["data"]
    assert len(raw) == 48
    first_peak = raw[16]  # 16:00 local
    assert first_peak["start"] == "2025-07-01T20:00:00Z"
    assert first_peak["cost"] == "0.675"
    assert first_peak["quality"] == "actual"
    assert first_peak["components"] == [
        {"period": "ON_PEAK", "tier": None, "season": "SUMMER", "value": 1.5, "cost": "0.675"}
    ]
    assert raw[0]["cost"] == "0.3"
    assert raw[0]["components"][0]["period"] == "OFF_PEAK"

    daily = (await _get(api, client, resolution="day", **window)).json()["data"]
    # A day: 5 on-peak hours at 0.675 and 19 off-peak at 0.30, exactly.
    assert [(d["cost"], d["quality"], d["readings"]) for d in daily] == [
        ("9.075", "actual", 24),
        ("9.075", "actual", 24),
    ]

    lines = list(csv.reader(io.StringIO((await _get(api, client, format="csv", **window)).text)))
    assert lines[0] == ["start", "end", "direction", "value", "cost", "quality", "components"]
    peak_line = lines[1 + 16]
    assert peak_line[4:6] == ["0.675", "actual"]
    assert json.loads(peak_line[6])[0]["period"] == "ON_PEAK"
    rolled = list(
        csv.reader(
            io.StringIO((await _get(api, client, format="csv", resolution="day", **window)).text)
        )
    )
    assert rolled[1][5:] == ["9.075", "actual"]


async def test_a_bucket_without_every_cost_has_no_cost(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client, seeded = await _seeded(app)
    readings = _hours(24)
    readings[5] = replace(readings[5], cost=None, quality=ReadingQuality.ESTIMATED)
    await _write(app, seeded, readings)
    [day] = (
        await _get(
            api,
            client,
            meter_id=seeded.meter_id,
            start=START.isoformat(),
            end="2025-07-02T04:00Z",
            resolution="day",
        )
    ).json()["data"]
    assert day["cost"] is None  # a partial sum would be a misnamed number
    assert day["quality"] == "estimated"  # the least certain reading of the day


async def test_estimated_then_actual_replaces_and_reports_the_range(app: FastAPI) -> None:
    _, seeded = await _seeded(app)
    estimated = [replace(r, quality=ReadingQuality.ESTIMATED) for r in _hours(24)]
    await _write(app, seeded, estimated)

    again = await _write(app, seeded, estimated)
    assert (again.added, again.changed, again.unchanged, again.has_changes) == (0, 0, 24, False)

    # The utility replaces hours 10 and 11 with actual reads: same value for 10, a new one for 11.
    actual = list(estimated)
    actual[10] = replace(actual[10], quality=ReadingQuality.ACTUAL)
    actual[11] = replace(actual[11], value=Decimal("2.25"), quality=ReadingQuality.ACTUAL)
    change = await _write(app, seeded, actual)
    assert (change.added, change.changed, change.unchanged) == (0, 2, 22)
    assert (change.start, change.end) == (START + 10 * HOUR, START + 12 * HOUR)


async def test_a_re_read_without_costs_keeps_them_unless_the_value_changed(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client, seeded = await _seeded(app)
    await _write(app, seeded, _hours(4))
    bare = [replace(r, cost=None, quality=None, components=()) for r in _hours(4)]
    bare[3] = replace(bare[3], value=Decimal("9"))
    change = await _write(app, seeded, bare)
    assert (change.changed, change.unchanged) == (1, 3)
    raw = (
        await _get(
            api,
            client,
            meter_id=seeded.meter_id,
            start=START.isoformat(),
            end=(START + 4 * HOUR).isoformat(),
        )
    ).json()["data"]
    assert [r["cost"] for r in raw] == ["0.3", "0.3", "0.3", None]
    assert [r["quality"] for r in raw] == ["actual", "actual", "actual", None]
    assert raw[3]["components"] == []
    assert raw[3]["value"] == 9.0


async def test_net_readings_may_be_negative(app: FastAPI, api: httpx.AsyncClient) -> None:
    client, seeded = await _seeded(app)
    net = [
        IntervalReading(START + i * HOUR, HOUR, Decimal(v), "kWh", Direction.NET)
        for i, v in enumerate(["1.25", "-0.75"])
    ]
    await _write(app, seeded, net)
    raw = (
        await _get(
            api,
            client,
            meter_id=seeded.meter_id,
            start=START.isoformat(),
            end=(START + 2 * HOUR).isoformat(),
            direction="net",
        )
    ).json()["data"]
    assert [(r["direction"], r["value"]) for r in raw] == [("net", 1.25), ("net", -0.75)]
