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

from gridlink.data.intervals import DAY_SECONDS, SCALE, Component, Point, day_from_number


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


Labelled = tuple[str, str, str, int, int, int | None, str | None, tuple[Component, ...] | None]


def _labelled(points: Sequence[Point]) -> Iterator[Labelled]:
    """Points with their times as text. Consecutive readings share a boundary (one's end is
    the next one's start), so each boundary is formatted once."""
    last_end = -1
    last_text = ""
    for start, end, direction, value, count, cost, quality, parts in points:
        start_text = last_text if start == last_end else iso(start)
        last_end, last_text = end, iso(end)
        yield start_text, last_text, direction, value, count, cost, quality, parts


def fixed(micro: int) -> str:
    """Micro-units as exact decimal text: ``1250000`` → ``1.25``."""
    whole, fraction = divmod(abs(micro), SCALE)
    sign = "-" if micro < 0 else ""
    if not fraction:
        return f"{sign}{whole}"
    return f"{sign}{whole}.{fraction:06d}".rstrip("0")


def _utc(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


def _money(micro: int | None) -> str | None:
    return None if micro is None else fixed(micro)


def _components(parts: tuple[Component, ...] | None) -> list[dict[str, Any]]:
    return [
        {
            "period": period,
            "tier": tier,
            "season": season,
            "value": None if usage is None else usage / SCALE,
            "cost": _money(cost),
        }
        for period, tier, season, usage, cost in parts or ()
    ]


def to_json(series: Series) -> bytes:
    raw = series.resolution == "raw"
    data: list[dict[str, Any]]
    if raw:
        data = [
            {
                "start": s,
                "end": e,
                "direction": d,
                "value": v / SCALE,
                "cost": None if c is None else fixed(c),
                "quality": q,
                "components": _components(p) if p else [],
            }
            for s, e, d, v, _, c, q, p in _labelled(series.points)
        ]
    else:
        data = [
            {
                "start": s,
                "end": e,
                "direction": d,
                "value": v / SCALE,
                "readings": n,
                "cost": None if c is None else fixed(c),
                "quality": q,
            }
            for s, e, d, v, n, c, q, _ in _labelled(series.points)
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
RAW_HEADER = b"start,end,direction,value,cost,quality,components\n"
ROLLUP_HEADER = b"start,end,direction,value,readings,cost,quality\n"


def _csv_components(parts: tuple[Component, ...] | None) -> str:
    """The components as JSON in one quoted CSV field (quotes doubled), empty when none."""
    if not parts:
        return ""
    text = orjson.dumps(_components(parts)).decode()
    return '"' + text.replace('"', '""') + '"'


def to_csv(series: Series) -> Iterator[bytes]:
    """A header row, then one line per point; rollups add the ``readings`` column. An unknown
    cost or quality is an empty field."""
    raw = series.resolution == "raw"
    yield RAW_HEADER if raw else ROLLUP_HEADER
    points = series.points
    for first in range(0, len(points), CSV_CHUNK):
        chunk = _labelled(points[first : first + CSV_CHUNK])
        if raw:
            lines = [
                f"{s},{e},{d},{fixed(v)},{'' if c is None else fixed(c)},{q or ''},"
                f"{_csv_components(p)}\n"
                for s, e, d, v, _, c, q, p in chunk
            ]
        else:
            lines = [
                f"{s},{e},{d},{fixed(v)},{n},{'' if c is None else fixed(c)},{q or ''}\n"
                for s, e, d, v, n, c, q, _ in chunk
            ]
        yield "".join(lines).encode()
