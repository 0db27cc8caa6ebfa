"""A usage point's interval readings: gathered block by block, then built at once.

Blocks are small (a 12-hour block holds 12 readings) and many, so each block's scaled columns
are appended to its usage point's pile for that direction and unit, and the
:class:`IntervalReading` objects are built once per pile (:func:`records.build`), then
de-duplicated (a repeated interval keeps the last reading) and sorted.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from decimal import Decimal
from itertools import islice, repeat
from operator import lt

from gridlink.connectors.models import Direction, IntervalReading, ReadingQuality
from gridlink.greenbutton import codes
from gridlink.greenbutton.intervals import RawReadings
from gridlink.greenbutton.records import build

_COST_POWER = -5  # ESPI money is in 1/100,000 of the currency


@dataclass(slots=True)
class Pile:
    """Readings of one usage point, direction and unit, scaled, not yet built."""

    starts: list[datetime] = field(default_factory=list)
    durations: list[timedelta] = field(default_factory=list)
    values: list[Decimal] = field(default_factory=list)
    costs: list[Decimal | None] = field(default_factory=list)
    qualities: list[ReadingQuality | None] = field(default_factory=list)

    def add(self, raw: RawReadings, power: int, default_quality: ReadingQuality | None) -> None:
        """Append a block's readings, every duration known (see :func:`with_durations`)."""
        count = len(raw)
        self.starts += raw.starts
        self.durations += raw.durations  # type: ignore[arg-type]  # no None left
        if power or not raw.exact:
            self.values += [value.scaleb(power) for value in raw.values]
        else:
            self.values += raw.values
        if raw.any_cost:
            self.costs += [None if c is None else c.scaleb(_COST_POWER) for c in raw.costs]
        else:
            self.costs += repeat(None, count)
        if raw.any_quality:
            self.qualities += [worst(q) if q else default_quality for q in raw.qualities]
        else:
            self.qualities += repeat(default_quality, count)

    def build(self, direction: Direction, unit: str) -> tuple[list[IntervalReading], int]:
        """The readings, one per start (the last one read), and how many repeats were dropped."""
        readings = build(
            IntervalReading,
            len(self.starts),
            {
                "start": self.starts,
                "duration": self.durations,
                "value": self.values,
                "cost": self.costs,
                "quality": self.qualities,
            },
            {"unit": unit, "direction": direction, "components": ()},
        )
        starts = self.starts
        if all(map(lt, starts, islice(starts, 1, None))):
            return readings, 0  # already in order, no start repeated: what the dict would give
        unique = dict(zip(starts, readings, strict=True))
        return list(map(unique.__getitem__, sorted(unique))), len(readings) - len(unique)


def worst(qualities: tuple[int, ...]) -> ReadingQuality | None:
    """When a reading carries several qualities, the least trustworthy one describes it."""
    known = [codes.QUALITY[q] for q in qualities if q in codes.QUALITY]
    return max(known, key=codes.QUALITY_RANK.__getitem__) if known else None


def with_durations(raw: RawReadings, interval_length: timedelta | None) -> RawReadings:
    """``raw`` with each missing duration taken from the ReadingType, or those readings left
    out when it has none either (the caller warns)."""
    if None not in raw.durations:
        return raw
    kept = [i for i, d in enumerate(raw.durations) if d is not None or interval_length is not None]
    return RawReadings(
        starts=[raw.starts[i] for i in kept],
        durations=[raw.durations[i] or interval_length for i in kept],
        values=[raw.values[i] for i in kept],
        costs=[raw.costs[i] for i in kept],
        qualities=[raw.qualities[i] for i in kept],
        any_cost=raw.any_cost,
        any_quality=raw.any_quality,
        exact=raw.exact,
    )


def in_order(piles: dict[tuple[Direction, str], Pile]) -> tuple[tuple[IntervalReading, ...], int]:
    """A usage point's readings by start, then direction and unit; and the repeats dropped."""
    every: list[IntervalReading] = []
    dropped = 0
    for (direction, unit), pile in piles.items():
        built, repeats = pile.build(direction, unit)
        every += built
        dropped += repeats
    if len(piles) > 1:
        every.sort(key=lambda r: (r.start, r.direction, r.unit))
    return tuple(every), dropped
