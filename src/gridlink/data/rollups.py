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


# Which quality a bucket reports: the least certain of its readings' (edited ranks above
# actual: a person changed it; estimated above both). Unknown when any reading's is unknown.
_RANK = {"actual": 0, "edited": 1, "estimated": 2}


def roll_up(points: Iterable[Point], resolution: str, zone: ZoneInfo) -> list[Point]:
    """Sum raw points, sorted by direction then start, into local-time buckets. A bucket's
    cost is the sum of its readings' costs when every one has a cost, else unknown."""
    bucket_of = BUCKETS[resolution]
    out: list[Point] = []
    direction = ""
    start = end = total = count = 0
    cost: int | None = 0
    quality: str | None = None
    for point_start, _end, point_direction, value, _one, point_cost, point_quality, _ in points:
        if point_direction != direction or not start <= point_start < end:
            if count:
                out.append((start, end, direction, total, count, cost, quality, None))
            direction = point_direction
            start, end = bucket_of(point_start, zone)
            total = count = 0
            cost = 0
            quality = point_quality
        total += value
        count += 1
        cost = None if cost is None or point_cost is None else cost + point_cost
        if quality is not None and (point_quality is None or _RANK[point_quality] > _RANK[quality]):
            quality = point_quality
    if count:
        out.append((start, end, direction, total, count, cost, quality, None))
    return out
