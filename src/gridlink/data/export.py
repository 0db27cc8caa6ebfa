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


def _tail(raw: bool, key: tuple[Any, ...]) -> str:
    """What follows a point's times in its JSON object, through its closing brace: the same
    text orjson gives the dict, since orjson formats each value."""
    direction, value, count, cost, quality, parts = key
    fields: dict[str, Any] = {"direction": direction, "value": value / SCALE}
    if not raw:
        fields["readings"] = count
    fields["cost"] = None if cost is None else fixed(cost)
    fields["quality"] = quality
    if raw:
        fields["components"] = _components(parts) if parts else []
    return '",' + orjson.dumps(fields).decode()[1:]


def _data(raw: bool, points: Sequence[Point]) -> str:
    """The ``data`` array as text. A meter-year is 8,760 to 35,040 points whose values repeat
    (usage in a handful of digits) and whose times are each the previous one's end: each
    distinct tail is encoded once, each boundary formatted once (``_labelled``, inlined: a call
    per point is a measurable share here), and the array joined once, rather than a dict built
    and encoded per point (bench/hot_paths.py)."""
    tails: dict[tuple[Any, ...], str] = {}
    days: dict[int, str] = {}
    pieces: list[str] = []
    add = pieces.append
    last_end, end_text = -1, ""
    for start, end, direction, value, count, cost, quality, parts in points:
        start_text = end_text if start == last_end else iso(start)
        day, second = divmod(end, DAY_SECONDS)
        day_text = days.get(day)
        if day_text is None:
            day_text = days[day] = _day_text(day)
        last_end, end_text = end, day_text + _time_text(second)
        key = (direction, value, None if raw else count, cost, quality, parts if raw else None)
        tail = tails.get(key)
        if tail is None:
            tail = tails[key] = _tail(raw, key)
        add('{"start":"' + start_text + '","end":"' + end_text + tail)
    return "[" + ",".join(pieces) + "]"


def to_json(series: Series) -> bytes:
    # The times are ISO text of digits, "-", ":", "T" and "Z": nothing JSON must escape.
    head = orjson.dumps(
        {
            "meter_id": series.meter_id,
            "utility_account_id": series.account_id,
            "unit": series.unit,
            "time_zone": series.time_zone,
            "resolution": series.resolution,
            "start": _utc(series.start),
            "end": _utc(series.end),
        }
    )
    data = _data(series.resolution == "raw", series.points)
    return head[:-1] + b',"data":' + data.encode() + b"}"


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
