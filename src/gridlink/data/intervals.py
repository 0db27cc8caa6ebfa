"""The packed interval layout: one row per meter, direction and UTC day (ADR 0010).

A day row holds one interval length (``interval_seconds``) and one phase (``offset_seconds``,
the first slot's start after 00:00 UTC, below the interval length). Slot ``i`` covers
``[00:00 UTC + offset + i * interval, + interval)``, so a day has ``ceil((86400 - offset) /
interval)`` slots: 96 for 15-minute data, whatever the meter's time zone does (local days of 23
and 25 hours are a read-time matter). A reading belongs to the UTC day it starts in.

Values are fixed-point integers in millionths (:data:`RESOLUTION`) of the meter's normalized
unit, packed little-endian as 4-byte integers when every value of the row fits and 8-byte ones
otherwise; the blob's length tells which. A missing reading is the type's minimum.

A reading's details ride along in the same row, sparse: its cost (micro-units of the
currency, packed like the values), its quality (one byte per slot: 0 unknown, 1 actual, 2
estimated, 3 edited) and its time-of-use or tier components (JSON by slot). A row whose
readings carry none has none of them.

This module is pure: no database, no I/O. ``upsert_intervals`` in the service reads the day
rows a batch touches, merges with :func:`merge_day` and writes back only what changed.
"""

from __future__ import annotations

import sys
from array import array
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from gridlink.connectors.models import IntervalReading, ReadingComponent, ReadingQuality
from gridlink.connectors.units import convert

DAY_SECONDS = 86_400
RESOLUTION = Decimal("0.000001")  # of the normalized unit: 1 mWh, 1 micro-therm, 1 micro-gallon
SCALE = 1_000_000
MISSING = -(2**63)  # in memory every row is an array('q'); packed 4-byte rows use -(2**31)
_MISSING_32 = -(2**31)
_INT32_MAX = 2**31 - 1
_EPOCH = date(1970, 1, 1)
_EPOCH_ORDINAL = _EPOCH.toordinal()
_BIG_ENDIAN = sys.byteorder == "big"


def slot_count(interval_seconds: int, offset_seconds: int) -> int:
    return max(1, -(-(DAY_SECONDS - offset_seconds) // interval_seconds))


def pack(values: array[int]) -> bytes:
    """Pack an ``array('q')`` of micro-units (``MISSING`` for gaps) into a row's blob."""
    present = [v for v in values if v != MISSING]
    narrow = not present or (min(present) > _MISSING_32 and max(present) <= _INT32_MAX)
    if narrow:
        packed = array("i", [_MISSING_32 if v == MISSING else v for v in values])
    else:
        packed = array("q", values)
    if _BIG_ENDIAN:
        packed.byteswap()
    return packed.tobytes()


def unpack(blob: bytes, slots: int) -> array[int]:
    """A row's blob back as an ``array('q')`` of micro-units, ``MISSING`` for gaps."""
    width = len(blob) // slots
    if width * slots != len(blob) or width not in (4, 8):
        raise ValueError(f"a packed day of {slots} slots cannot be {len(blob)} bytes long")
    packed = array("i" if width == 4 else "q")
    packed.frombytes(blob)
    if _BIG_ENDIAN:
        packed.byteswap()
    if width == 8:
        return packed
    return array("q", [MISSING if v == _MISSING_32 else v for v in packed])


def day_number(day: date) -> int:
    return day.toordinal() - _EPOCH_ORDINAL


def day_from_number(number: int) -> date:
    return date.fromordinal(number + _EPOCH_ORDINAL)


def to_datetime(timestamp: int) -> datetime:
    return datetime.fromtimestamp(timestamp, UTC)


class MicroUnits:
    """Converts reading values to integer millionths of one normalized unit.

    The factor per source unit is computed once; an exact integer factor (kWh → kWh, Wh →
    kWh) keeps the conversion exact, others round half-even at :data:`RESOLUTION`.
    """

    def __init__(self, unit: str) -> None:
        self.unit = unit
        self._factors: dict[str, Decimal | int] = {}

    def factor(self, source_unit: str) -> Decimal | int:
        factor = self._factors.get(source_unit)
        if factor is None:
            exact = convert(Decimal(SCALE), source_unit, self.unit)
            factor = int(exact) if exact == exact.to_integral_value() else exact
            self._factors[source_unit] = factor
        return factor

    def __call__(self, value: Decimal, source_unit: str) -> int:
        return round(value * self.factor(source_unit))


QUALITY_CODES = {ReadingQuality.ACTUAL: 1, ReadingQuality.ESTIMATED: 2, ReadingQuality.EDITED: 3}
QUALITY_NAMES = {code: str(quality) for quality, code in QUALITY_CODES.items()}
# (period, tier, season, usage in micro-units of the meter's unit, cost in micro-units)
Component = tuple[str | None, int | None, str | None, int | None, int | None]


@dataclass(slots=True)
class DayBatch:
    """Incoming readings of one direction and one UTC day: slot → micro-units, and the
    details of the slots whose readings carry them."""

    interval: int
    offset: int
    unit: str
    values: dict[int, int] = field(default_factory=dict)
    costs: dict[int, int] = field(default_factory=dict)
    qualities: dict[int, int] = field(default_factory=dict)
    components: dict[int, tuple[Component, ...]] = field(default_factory=dict)


BatchKey = tuple[str, int]  # (direction, day number)

_SECONDS: dict[timedelta, int] = {}


def _seconds(duration: timedelta) -> int:
    seconds = _SECONDS.get(duration)
    if seconds is None:
        exact = duration.total_seconds()
        if exact != int(exact) or not 0 < exact <= DAY_SECONDS + 3_600:
            raise ValueError(
                f"an interval reading must last whole seconds, at most 25 hours; got {duration}"
            )
        seconds = _SECONDS[duration] = int(exact)
    return seconds


def group(readings: Iterable[IntervalReading], micro: MicroUnits) -> dict[BatchKey, DayBatch]:
    """Sort readings into day batches. A later reading for the same slot wins (a utility that
    repeats a reading in one answer repeats its latest value).

    The loop runs once per reading, so it keeps to local names and reuses the previous
    reading's batch (readings usually come in time order).
    """
    batches: dict[BatchKey, DayBatch] = {}
    factors: dict[str, Decimal | int] = {}
    seconds_of = _SECONDS
    last_direction: str | None = None
    last_day = -1
    batch: DayBatch | None = None
    for reading in readings:
        start = reading.start
        if start.tzinfo is None:
            raise ValueError("interval readings need timezone-aware start times (UTC)")
        instant = start.timestamp()
        whole = int(instant)
        if whole != instant:
            raise ValueError(f"an interval reading must start on a whole second; got {start}")
        duration = reading.duration
        interval = seconds_of.get(duration) or _seconds(duration)
        unit = reading.unit
        factor = factors.get(unit)
        if factor is None:
            factor = factors[unit] = micro.factor(unit)
        day, second = divmod(whole, DAY_SECONDS)
        direction = reading.direction
        if batch is None or day != last_day or direction is not last_direction:
            key = (str(direction.value), day)
            batch = batches.get(key)
            if batch is None:
                batch = batches[key] = DayBatch(interval, second % interval, unit)
            last_direction, last_day = direction, day
        if batch.interval != interval or batch.offset != second % interval:
            raise ValueError(
                f"readings of one UTC day ({day_from_number(day)}) must share one interval "
                f"length and phase; got {interval} s at {start} after {batch.interval} s"
            )
        slot = second // interval
        batch.values[slot] = round(reading.value * factor)
        if reading.cost is not None:
            batch.costs[slot] = round(reading.cost * SCALE)
        if reading.quality is not None:
            batch.qualities[slot] = QUALITY_CODES[reading.quality]
        if reading.components:
            batch.components[slot] = tuple(_component(c, factor) for c in reading.components)
    return batches


def _component(component: ReadingComponent, factor: Decimal | int) -> Component:
    usage, cost = component.usage, component.cost
    return (
        component.period,
        component.tier,
        component.season,
        None if usage is None else round(usage * factor),
        None if cost is None else round(cost * SCALE),
    )


@dataclass(frozen=True, slots=True)
class StoredDay:
    interval: int
    offset: int
    values: array[int]
    costs: array[int] | None = None
    qualities: bytes | None = None
    components: dict[int, tuple[Component, ...]] | None = None


@dataclass(slots=True)
class MergedDay:
    """The outcome of merging one batch into its stored day."""

    values: array[int]
    costs: array[int] | None = None
    qualities: bytearray | None = None
    components: dict[int, tuple[Component, ...]] | None = None
    added: int = 0
    changed: int = 0
    unchanged: int = 0
    first_slot: int | None = None  # the changed span, in slots
    last_slot: int | None = None

    @property
    def dirty(self) -> bool:
        return self.first_slot is not None


def merge_day(stored: StoredDay | None, batch: DayBatch) -> MergedDay:
    """Merge incoming readings into a stored day. Readings are only added or overwritten, never
    removed, so writing the same readings again changes nothing. A reading whose value, cost,
    quality or components differ replaces the stored one (a revised or estimated-then-actual
    reading); a detail the incoming reading leaves out is kept while its value is unchanged
    (a cost-less re-read does not erase costs) and dropped with a value that changes. A batch
    whose interval length or phase differs from the stored day's replaces it: the utility's
    latest answer wins."""
    slots = slot_count(batch.interval, batch.offset)
    replaced = stored is not None and (
        stored.interval != batch.interval or stored.offset != batch.offset
    )
    merged = MergedDay(array("q", [MISSING]) * slots)
    if stored is not None and not replaced:
        merged.values = array("q", stored.values)
        merged.costs = None if stored.costs is None else array("q", stored.costs)
        merged.qualities = None if stored.qualities is None else bytearray(stored.qualities)
        merged.components = None if stored.components is None else dict(stored.components)
    values = merged.values
    for slot, value in batch.values.items():
        if slot >= slots:  # cannot happen for a start inside the day; guards the blob length
            raise ValueError("an interval reading starts past the end of its day")
        old = values[slot]
        differs = old != value
        details_changed = _merge_details(merged, batch, slot, slots, replace_all=differs)
        if not differs and not details_changed:
            merged.unchanged += 1
            continue
        if old == MISSING:
            merged.added += 1
        else:
            merged.changed += 1
        values[slot] = value
        if merged.first_slot is None or slot < merged.first_slot:
            merged.first_slot = slot
        if merged.last_slot is None or slot > merged.last_slot:
            merged.last_slot = slot
    if replaced:
        merged.first_slot, merged.last_slot = 0, slots - 1
    return merged


def _merge_details(
    merged: MergedDay, batch: DayBatch, slot: int, slots: int, *, replace_all: bool
) -> bool:
    """Merge one slot's details; True when any changed."""
    changed = False
    if replace_all or slot in batch.costs:
        cost = batch.costs.get(slot, MISSING)
        if merged.costs is None and cost != MISSING:
            merged.costs = array("q", [MISSING]) * slots
        if merged.costs is not None and merged.costs[slot] != cost:
            merged.costs[slot] = cost
            changed = True
    if replace_all or slot in batch.qualities:
        quality = batch.qualities.get(slot, 0)
        if merged.qualities is None and quality:
            merged.qualities = bytearray(slots)
        if merged.qualities is not None and merged.qualities[slot] != quality:
            merged.qualities[slot] = quality
            changed = True
    if replace_all or slot in batch.components:
        parts = batch.components.get(slot)
        known = merged.components or {}
        if known.get(slot) != parts:
            if parts is None:
                known.pop(slot, None)
            else:
                known[slot] = parts
            merged.components = known or None
            changed = True
    return changed


Point = tuple[int, int, str, int, int, int | None, str | None, tuple[Component, ...] | None]
"""(start, end, direction, micro-units, readings, cost in micro-units or None, quality or None,
components or None): times in epoch seconds. A raw reading has ``readings == 1``; a rollup
bucket sums its readings (and their costs when every one has a cost)."""


def day_points(
    direction: str,
    day: int,
    interval: int,
    offset: int,
    values: array[int],
    details: StoredDay | None = None,
) -> list[Point]:
    base = day * DAY_SECONDS + offset
    if details is None or (
        details.costs is None and details.qualities is None and not details.components
    ):
        return [
            (
                base + slot * interval,
                base + (slot + 1) * interval,
                direction,
                value,
                1,
                None,
                None,
                None,
            )
            for slot, value in enumerate(values)
            if value != MISSING
        ]
    costs, qualities, components = details.costs, details.qualities, details.components or {}
    return [
        (
            base + slot * interval,
            base + (slot + 1) * interval,
            direction,
            value,
            1,
            None if costs is None or costs[slot] == MISSING else costs[slot],
            None if qualities is None else QUALITY_NAMES.get(qualities[slot]),
            components.get(slot),
        )
        for slot, value in enumerate(values)
        if value != MISSING
    ]


def pack_qualities(qualities: bytearray | None) -> bytes | None:
    return None if qualities is None or not any(qualities) else bytes(qualities)


def pack_components(
    components: dict[int, tuple[Component, ...]] | None,
) -> dict[str, list[list[str | int | None]]] | None:
    """Components as JSON (keys are slot numbers as text)."""
    if not components:
        return None
    return {str(slot): [list(part) for part in parts] for slot, parts in components.items()}


def unpack_components(
    stored: dict[str, list[list[str | int | None]]] | None,
) -> dict[int, tuple[Component, ...]] | None:
    if not stored:
        return None
    return {
        int(slot): tuple(_component_from(part) for part in parts) for slot, parts in stored.items()
    }


def _component_from(part: list[str | int | None]) -> Component:
    period, tier, season, usage, cost = part
    return (
        None if period is None else str(period),
        None if tier is None else int(tier),
        None if season is None else str(season),
        None if usage is None else int(usage),
        None if cost is None else int(cost),
    )


def pack_costs(costs: array[int] | None) -> bytes | None:
    return None if costs is None or all(c == MISSING for c in costs) else pack(costs)
