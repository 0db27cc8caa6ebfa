"""The interval JSON is assembled as text from encoded pieces (data/export.py, for speed); it must
be byte for byte what orjson gives the plain document, whatever the points hold."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from typing import Any

import orjson
import pytest

from gridlink.data.export import Series, _components, _utc, fixed, iso, to_json
from gridlink.data.intervals import SCALE, Point


def _reference(series: Series) -> bytes:
    """The document as a dict per point, encoded by orjson: the shape schemas.py documents."""
    raw = series.resolution == "raw"
    data: list[dict[str, Any]] = []
    for start, end, direction, value, count, cost, quality, parts in series.points:
        item: dict[str, Any] = {"start": iso(start), "end": iso(end), "direction": direction}
        item["value"] = value / SCALE
        if not raw:
            item["readings"] = count
        item["cost"] = None if cost is None else fixed(cost)
        item["quality"] = quality
        if raw:
            item["components"] = _components(parts) if parts else []
        data.append(item)
    return orjson.dumps(
        {
            "meter_id": series.meter_id,
            "utility_account_id": series.account_id,
            "unit": series.unit,
            "time_zone": series.time_zone,
            "resolution": series.resolution,
            "start": _utc(series.start),
            "end": _utc(series.end),
            "data": data,
        }
    )


def _points(rng: random.Random, count: int) -> list[Point]:
    points: list[Point] = []
    at = 1_735_689_600  # 2025-01-01T00:00:00Z
    for _ in range(count):
        at += rng.choice((0, 0, 0, 900, 86_400 + 1))  # mostly contiguous, some gaps
        length = rng.choice((900, 3_600))
        value = rng.choice((0, 1, 1_250_000, -3_000, 123_456_789, 10**15, rng.randrange(10**7)))
        parts = None
        if rng.random() < 0.2:
            parts = (("peak", None, "summer", rng.choice((None, 500_000)), rng.choice((None, 7))),)
        cost = rng.choice((None, 0, 180_000, -42))
        quality = rng.choice((None, "estimated", "actual"))
        direction = rng.choice(("delivered", "received", "net"))
        count = rng.randrange(1, 5)
        points.append((at, at + length, direction, value, count, cost, quality, parts))
        at += length
    return points


@pytest.mark.parametrize("resolution", ["raw", "hour", "month"])
@pytest.mark.parametrize("seed", range(5))
def test_the_text_is_orjsons(resolution: str, seed: int) -> None:
    points = _points(random.Random(seed), 500)
    series = Series(
        "mtr_1",
        "uac_1",
        "kWh",
        "America/New_York",
        resolution,
        datetime(2025, 1, 1, tzinfo=UTC),
        datetime(2026, 1, 1, tzinfo=UTC),
        points,
    )
    assert to_json(series) == _reference(series)


def test_no_points() -> None:
    start = datetime(2025, 1, 1, tzinfo=UTC)
    series = Series("mtr_1", "uac_1", "kWh", "UTC", "raw", start, start, [])
    assert to_json(series) == _reference(series)
    assert orjson.loads(to_json(series))["data"] == []
