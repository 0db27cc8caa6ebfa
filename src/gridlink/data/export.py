"""Interval series as JSON or CSV, rendered straight from the packed integers.

A meter-year of 15-minute readings is 35,040 points; building Pydantic models for them would
cost more than reading them, so the documents are assembled here (``IntervalsOut`` in
schemas.py documents the same shape) and encoded with orjson.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

import orjson

from gridlink.data.intervals import DAY_SECONDS, SCALE, Point, day_from_number


@dataclass(frozen=True, slots=True)
class Series:
    meter_id: str
    account_id: str
    unit: str
    time_zone: str
    resolution: str
    start: datetime
    end: datetime
    points: Sequence[Point]


@lru_cache(maxsize=8_192)
def _day_text(day: int) -> str:
    return day_from_number(day).isoformat()


@lru_cache(maxsize=DAY_SECONDS)
def _time_text(second: int) -> str:
    hours, rest = divmod(second, 3_600)
    return f"T{hours:02d}:{rest // 60:02d}:{rest % 60:02d}Z"


def iso(instant: int) -> str:
    day, second = divmod(instant, DAY_SECONDS)
    return _day_text(day) + _time_text(second)


def _labelled(points: Sequence[Point]) -> Iterator[tuple[str, str, str, int, int]]:
    """Points with their times as text. Consecutive readings share a boundary (one's end is
    the next one's start), so each boundary is formatted once."""
    last_end = -1
    last_text = ""
    for start, end, direction, value, count in points:
        start_text = last_text if start == last_end else iso(start)
        last_end, last_text = end, iso(end)
        yield start_text, last_text, direction, value, count


def fixed(micro: int) -> str:
    """Micro-units as exact decimal text: ``1250000`` → ``1.25``."""
    whole, fraction = divmod(abs(micro), SCALE)
    sign = "-" if micro < 0 else ""
    if not fraction:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{fraction:06d}".rstrip("0")


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def to_json(series: Series) -> bytes:
    raw = series.resolution == "raw"
    data: list[dict[str, Any]]
    if raw:
        data = [
            {"start": s, "end": e, "direction": d, "value": v / SCALE}
            for s, e, d, v, _ in _labelled(series.points)
        ]
    else:
        data = [
            {"start": s, "end": e, "direction": d, "value": v / SCALE, "readings": n}
            for s, e, d, v, n in _labelled(series.points)
        ]
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


CSV_CHUNK = 2_000  # lines per streamed chunk


def to_csv(series: Series) -> Iterator[bytes]:
    """A header row, then one line per point; rollups add the ``readings`` column."""
    raw = series.resolution == "raw"
    yield (b"start,end,direction,value\n" if raw else b"start,end,direction,value,readings\n")
    points = series.points
    for first in range(0, len(points), CSV_CHUNK):
        chunk = _labelled(points[first : first + CSV_CHUNK])
        if raw:
            lines = [f"{s},{e},{d},{fixed(v)}\n" for s, e, d, v, _ in chunk]
        else:
            lines = [f"{s},{e},{d},{fixed(v)},{n}\n" for s, e, d, v, n in chunk]
        yield "".join(lines).encode()
