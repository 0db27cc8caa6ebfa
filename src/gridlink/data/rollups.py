"""Rollups of interval readings into hour, day and month buckets of the meter's local time.

Buckets follow the wall clock of the meter's time zone, so the spring-forward day has 23 hourly
buckets and the fall-back day 25 (its repeated hour twice, told apart by their UTC times), and
a local day is 23, 24 or 25 hours long. A reading counts in the bucket it starts in. Sums are of
the stored integers (millionths), so they are exact.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from gridlink.data.intervals import Point

Bucket = tuple[int, int]  # [start, end) in epoch seconds


@lru_cache(maxsize=4_096)
def _local_midnight(day: date, zone: ZoneInfo) -> int:
    return int(datetime.combine(day, time(), zone).timestamp())


def _hour(instant: int, zone: ZoneInfo) -> Bucket:
    local = datetime.fromtimestamp(instant, zone)
    start = int(local.replace(minute=0, second=0, microsecond=0).timestamp())
    return start, start + 3_600


def _day(instant: int, zone: ZoneInfo) -> Bucket:
    day = datetime.fromtimestamp(instant, zone).date()
    return _local_midnight(day, zone), _local_midnight(day + timedelta(days=1), zone)


def _month(instant: int, zone: ZoneInfo) -> Bucket:
    first = datetime.fromtimestamp(instant, zone).date().replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return _local_midnight(first, zone), _local_midnight(following, zone)


BUCKETS: dict[str, Callable[[int, ZoneInfo], Bucket]] = {
    "hour": _hour,
    "day": _day,
    "month": _month,
}


def roll_up(points: Iterable[Point], resolution: str, zone: ZoneInfo) -> list[Point]:
    """Sum raw points, sorted by direction then start, into local-time buckets."""
    bucket_of = BUCKETS[resolution]
    out: list[Point] = []
    direction = ""
    start = end = total = count = 0
    for point_start, _end, point_direction, value, _one in points:
        if point_direction != direction or not start <= point_start < end:
            if count:
                out.append((start, end, direction, total, count))
            direction = point_direction
            start, end = bucket_of(point_start, zone)
            total = count = 0
        total += value
        count += 1
    if count:
        out.append((start, end, direction, total, count))
    return out
