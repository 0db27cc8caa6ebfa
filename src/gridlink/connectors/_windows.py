"""The conformance kit's interval-window checks: what a sync relies on when it reads a meter's
history window by window.

A sync cuts history into consecutive windows and re-reads recent ones. So for a span around a
DST change, the readings of one window over the span must equal those of the span cut into
one-day windows at UTC midnight, and cut at the meter's local midnights: nothing lost at a
boundary, nothing doubled, the same values. And reading an overlapping window again must give
the same readings. Checked around the last two DST changes before "now" (one spring, one
autumn) of the meter's zone; a zone without DST gets a span a week back.
"""

from __future__ import annotations

import itertools
from collections.abc import Sequence
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from gridlink.connectors.base import ConnectorSession
from gridlink.connectors.models import IntervalReading, Meter

DAY = timedelta(days=1)
SPAN_DAYS = 4  # two days either side of the change
MAX_PROBLEMS = 10


def dst_changes(zone: ZoneInfo, before: datetime, count: int = 2) -> list[datetime]:
    """The UTC midnights of the last ``count`` days before ``before`` whose offset changes."""
    found: list[datetime] = []
    day = datetime.combine(before.astimezone(UTC).date(), time(), UTC) - 2 * DAY
    for _ in range(400):
        if day.astimezone(zone).utcoffset() != (day + DAY).astimezone(zone).utcoffset():
            found.append(day)
            if len(found) == count:
                break
        day -= DAY
    return found


async def window_problems(session: ConnectorSession, meter: Meter, now: datetime) -> list[str]:
    zone = ZoneInfo(meter.time_zone)
    changes = dst_changes(zone, now) or [datetime.combine(now.date(), time(), UTC) - 7 * DAY]
    problems: list[str] = []
    for change in changes:
        start = change - (SPAN_DAYS // 2) * DAY
        problems += await _span_problems(session, meter, start, start + SPAN_DAYS * DAY, zone)
        if len(problems) >= MAX_PROBLEMS:
            break
    return problems[:MAX_PROBLEMS]


async def _span_problems(
    session: ConnectorSession, meter: Meter, start: datetime, end: datetime, zone: ZoneInfo
) -> list[str]:
    whole = _keyed(await session.fetch_intervals(meter, start, end))
    if not whole:
        return []  # no history this far back: nothing to compare
    where = f"meter {meter.number}, {start.date()}..{end.date()}"
    problems = _gaps(whole, where)
    utc_cuts = [start + i * DAY for i in range(SPAN_DAYS + 1)]
    local_first = datetime.combine(start.astimezone(zone).date() + DAY, time(), zone)
    local_cuts = (
        [start]
        + [
            datetime.combine(local_first.date() + i * DAY, time(), zone).astimezone(UTC)
            for i in range(SPAN_DAYS - 1)
        ]
        + [end]
    )
    for name, cuts in (("UTC midnight", utc_cuts), ("local midnight", local_cuts)):
        pieces: dict[tuple[datetime, str], IntervalReading] = {}
        for first, last in itertools.pairwise(cuts):
            for key, reading in _keyed(await session.fetch_intervals(meter, first, last)).items():
                if key in pieces:
                    problems.append(f"{where}: windows cut at {name} both returned {key[0]}")
                pieces[key] = reading
        problems += _differences(whole, pieces, f"{where}, windows cut at {name}")
    middle = start + DAY
    again = _keyed(await session.fetch_intervals(meter, middle, middle + 2 * DAY))
    expected = {k: r for k, r in whole.items() if middle <= k[0] < middle + 2 * DAY}
    problems += _differences(expected, again, f"{where}, an overlapping window read again")
    return problems


def _keyed(readings: Sequence[IntervalReading]) -> dict[tuple[datetime, str], IntervalReading]:
    return {(r.start, str(r.direction)): r for r in readings}


def _differences(
    expected: dict[tuple[datetime, str], IntervalReading],
    found: dict[tuple[datetime, str], IntervalReading],
    where: str,
) -> list[str]:
    missing = sorted(set(expected) - set(found))
    extra = sorted(set(found) - set(expected))
    changed = sorted(k for k in set(expected) & set(found) if expected[k] != found[k])
    problems = []
    if missing:
        problems.append(f"{where}: {len(missing)} readings lost, the first at {missing[0][0]}")
    if extra:
        problems.append(f"{where}: {len(extra)} readings not in the whole span, e.g. {extra[0][0]}")
    if changed:
        problems.append(f"{where}: {len(changed)} readings differ, the first at {changed[0][0]}")
    return problems


def _gaps(readings: dict[tuple[datetime, str], IntervalReading], where: str) -> list[str]:
    """Holes between the first and last reading of each direction."""
    problems = []
    by_direction: dict[str, list[IntervalReading]] = {}
    for (_, direction), reading in sorted(readings.items()):
        by_direction.setdefault(direction, []).append(reading)
    for direction, found in by_direction.items():
        holes = [a.end for a, b in itertools.pairwise(found) if a.end < b.start]
        if holes:
            problems.append(
                f"{where}: {len(holes)} holes in the {direction} readings, the first at {holes[0]}"
            )
    return problems
