"""GET /v1/utility_intervals: raw readings and local-time rollups, JSON and CSV, across DST."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from decimal import Decimal

import httpx
import pytest
from fastapi import FastAPI

from gridlink.connectors.models import Direction
from gridlink.data import service
from gridlink.kit.clock import Clock
from gridlink.kit.db import Database
from tests.data.helpers import Seeded, quarter_hours, seed, utc
from tests.factories import TestClient, assert_error, make_client

PATH = "/v1/utility_intervals"


async def _write(app: FastAPI, seeded: Seeded, readings: list) -> None:  # type: ignore[type-arg]
    db: Database = app.state.db
    async with db.transaction() as session:
        await service.upsert_intervals(session, seeded.meter_id, readings)


async def _seeded_with_days(
    app: FastAPI, first: tuple[int, int, int], days: int
) -> tuple[TestClient, Seeded]:
    client = await make_client(app)
    seeded = await seed(app, client)
    await _write(app, seeded, quarter_hours(utc(*first), 96 * days))
    return client, seeded


async def _get(api: httpx.AsyncClient, client: TestClient, **params: object) -> httpx.Response:
    return await api.get(PATH, params=params, auth=client.auth)


# America/New_York: 2025-03-09 starts 05:00 UTC and lasts 23 hours; 2025-11-02 starts 04:00 UTC
# and lasts 25 hours.
DST_DAYS = [
    ("2025-03-09T05:00:00Z", "2025-03-10T04:00:00Z", 92, 23),
    ("2025-11-02T04:00:00Z", "2025-11-03T05:00:00Z", 100, 25),
]


@pytest.mark.parametrize(("start", "end", "quarters", "hours"), DST_DAYS)
async def test_dst_days_at_raw_hour_and_day(
    app: FastAPI, api: httpx.AsyncClient, start: str, end: str, quarters: int, hours: int
) -> None:
    first = (2025, 3, 8) if start.startswith("2025-03") else (2025, 11, 1)
    client, seeded = await _seeded_with_days(app, first, 3)

    raw = (await _get(api, client, meter_id=seeded.meter_id, start=start, end=end)).json()
    assert len(raw["data"]) == quarters
    assert raw["data"][0]["start"] == start
    assert raw["data"][-1]["end"] == end
    assert {item["value"] for item in raw["data"]} == {0.25}
    assert "readings" not in raw["data"][0]
    assert (raw["unit"], raw["time_zone"], raw["resolution"]) == (
        "kWh",
        "America/New_York",
        "raw",
    )

    hourly = (
        await _get(api, client, meter_id=seeded.meter_id, start=start, end=end, resolution="hour")
    ).json()["data"]
    assert len(hourly) == hours
    assert all(item["readings"] == 4 and item["value"] == 1.0 for item in hourly)
    starts = [item["start"] for item in hourly]
    assert len(set(starts)) == hours  # the repeated hour is two buckets, by UTC time
    assert hourly[0]["start"] == start
    assert hourly[-1]["end"] == end

    daily = (
        await _get(api, client, meter_id=seeded.meter_id, start=start, end=end, resolution="day")
    ).json()["data"]
    assert daily == [
        {
            "start": start,
            "end": end,
            "direction": "delivered",
            "value": hours * 1.0,
            "readings": quarters,
            "cost": None,
            "quality": None,
        }
    ]


async def test_day_buckets_start_at_local_midnight(app: FastAPI, api: httpx.AsyncClient) -> None:
    client, seeded = await _seeded_with_days(app, (2025, 3, 7), 5)
    days = (
        await _get(
            api,
            client,
            meter_id=seeded.meter_id,
            start="2025-03-08T05:00:00Z",
            end="2025-03-11T04:00:00Z",
            resolution="day",
        )
    ).json()["data"]
    assert [(d["start"], d["readings"]) for d in days] == [
        ("2025-03-08T05:00:00Z", 96),
        ("2025-03-09T05:00:00Z", 92),
        ("2025-03-10T04:00:00Z", 96),
    ]


async def test_month_rollup_and_csv(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    seeded = await seed(app, client)
    readings = quarter_hours(utc(2025, 1, 1), 96 * 60, "0.1")
    readings += quarter_hours(utc(2025, 1, 1), 96 * 60, "0.02", Direction.RECEIVED)
    await _write(app, seeded, readings)
    params = {
        "meter_id": seeded.meter_id,
        "start": "2025-01-01T05:00:00Z",
        "end": "2025-03-01T05:00:00Z",
    }
    months = (await _get(api, client, resolution="month", **params)).json()["data"]
    assert [(m["direction"], m["start"], m["end"], m["readings"]) for m in months] == [
        ("delivered", "2025-01-01T05:00:00Z", "2025-02-01T05:00:00Z", 31 * 96),
        ("delivered", "2025-02-01T05:00:00Z", "2025-03-01T05:00:00Z", 28 * 96),
        ("received", "2025-01-01T05:00:00Z", "2025-02-01T05:00:00Z", 31 * 96),
        ("received", "2025-02-01T05:00:00Z", "2025-03-01T05:00:00Z", 28 * 96),
    ]
    assert months[0]["value"] == pytest.approx(297.6)

    response = await _get(api, client, resolution="month", format="csv", **params)
    assert response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["start", "end", "direction", "value", "readings", "cost", "quality"]
    assert rows[1] == [
        "2025-01-01T05:00:00Z",
        "2025-02-01T05:00:00Z",
        "delivered",
        "297.6",
        "2976",
        "",
        "",
    ]
    assert len(rows) == 5

    raw_csv = await _get(api, client, format="csv", direction="received", **params)
    lines = list(csv.reader(io.StringIO(raw_csv.text)))
    assert lines[0] == ["start", "end", "direction", "value", "cost", "quality", "components"]
    assert len(lines) == 1 + 59 * 96
    assert lines[1] == [
        "2025-01-01T05:00:00Z",
        "2025-01-01T05:15:00Z",
        "received",
        "0.02",
        "",
        "",
        "",
    ]
    total = sum(Decimal(line[3]) for line in lines[1:])
    assert total == Decimal("0.02") * 59 * 96  # exact: summed from the decimal text


async def test_raw_window_is_half_open_and_values_exact(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    seeded = await seed(app, client)
    readings = quarter_hours(utc(2025, 1, 1), 8, "1.234567")
    await _write(app, seeded, readings)
    data = (
        await _get(
            api,
            client,
            meter_id=seeded.meter_id,
            start="2025-01-01T00:15:00Z",
            end="2025-01-01T01:00:00Z",
        )
    ).json()["data"]
    assert [d["start"] for d in data] == [
        "2025-01-01T00:15:00Z",
        "2025-01-01T00:30:00Z",
        "2025-01-01T00:45:00Z",
    ]
    assert {d["value"] for d in data} == {1.234567}
    # An offset in the query means the same instant.
    same = await _get(
        api,
        client,
        meter_id=seeded.meter_id,
        start="2024-12-31T19:15:00-05:00",
        end="2024-12-31T20:00:00-05:00",
    )
    assert same.json()["data"] == data


async def test_interval_errors(app: FastAPI, api: httpx.AsyncClient, clock: Clock) -> None:
    client, seeded = await _seeded_with_days(app, (2025, 1, 1), 1)
    other = await make_client(app, name="Other Energy")
    window = {"start": "2025-01-01T00:00:00Z", "end": "2025-01-02T00:00:00Z"}
    assert_error(await _get(api, other, meter_id=seeded.meter_id, **window), 404, "not_found")
    assert_error(await _get(api, client, meter_id="mtr_nope", **window), 404, "not_found")
    naive = await _get(
        api, client, meter_id=seeded.meter_id, start="2025-01-01T00:00:00", end=window["end"]
    )
    assert_error(naive, 422, "invalid_request")
    backwards = await _get(
        api, client, meter_id=seeded.meter_id, start=window["end"], end=window["start"]
    )
    assert_error(backwards, 422, "invalid_request")
    too_long = await _get(
        api, client, meter_id=seeded.meter_id, start="2020-01-01T00:00:00Z", end=window["end"]
    )
    assert_error(too_long, 422, "invalid_request")
    assert_error(
        await api.get(PATH, params={"meter_id": seeded.meter_id, **window}), 401, "unauthorized"
    )
    bad_resolution = await _get(api, client, meter_id=seeded.meter_id, resolution="week", **window)
    assert_error(bad_resolution, 422, "invalid_request")
    # An empty window is an empty series, not an error.
    empty = await _get(
        api,
        client,
        meter_id=seeded.meter_id,
        start="2025-06-01T00:00:00Z",
        end=str((utc(2025, 6, 1) + timedelta(days=1)).isoformat()),
    )
    assert empty.json()["data"] == []
