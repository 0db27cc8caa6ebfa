"""Interval readings of sandbox meters, one local day at a time.

A day is cut at local midnights, so it has 92, 96 or 100 quarter hours (23, 24 or 25
hourly slots) across DST changes. Each day's values come from a Random seeded by the meter
and the date, so any window is generated independently and identically every time.

Every delivered reading has a cost at the sandbox's prices (``pricing.py``): electricity on a
time-of-use rate, with its period as the reading's one component; gas and water flat. Readings
are ``actual``, except ``estimated_from`` on: those are estimates, a tenth high.
"""

from __future__ import annotations

import random
from array import array
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from gridlink.connectors.models import (
    Commodity,
    Direction,
    IntervalReading,
    ReadingComponent,
    ReadingQuality,
)
from gridlink.connectors.sandbox import pricing
from gridlink.connectors.sandbox.customers import SandboxMeter
from gridlink.connectors.sandbox.load import PROFILES, daily_level, solar_wh, summerness

_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class DaySeries:
    start: datetime  # local midnight, in UTC
    slot: timedelta
    delivered: array[int]  # compact: the cache below holds thousands of days
    received: array[int]  # empty unless the meter has solar
    hours: array[int]  # each slot's local hour (what its price depends on)

    def net_total(self) -> int:
        return sum(self.delivered) - sum(self.received)


@lru_cache(maxsize=8_192)  # ~4 MB: every day of 11 meters' two-year history
def day_series(meter: SandboxMeter, day: date) -> DaySeries:
    commodity = meter.meter.commodity
    profile = PROFILES[commodity]
    zone = ZoneInfo(meter.meter.time_zone)
    start = datetime.combine(day, time(), zone).astimezone(UTC)
    end = datetime.combine(day + _DAY, time(), zone).astimezone(UTC)
    count = (end - start) // profile.slot
    hours = _local_hours(start, profile.slot, count, zone)
    rng = random.Random(meter.seed * 1_000_003 + day.toordinal())  # noqa: S311 - synthetic data
    level = daily_level(commodity, day, meter.size, rng.uniform(0.88, 1.12))
    per_slot = level / profile.slots_per_day()
    summer_weight = summerness(day)
    load = [
        max(
            0,
            round(
                per_slot
                * _shape(profile.winter, profile.summer, hour, summer_weight)
                * rng.uniform(0.8, 1.2)
            ),
        )
        for hour in hours
    ]
    local_hours = array("b", (int(hour) for hour in hours))
    if meter.solar_kw <= 0 or commodity != Commodity.ELECTRIC:
        return DaySeries(start, profile.slot, array("i", load), array("i"), local_hours)
    clearness = rng.uniform(0.85, 1.0) if rng.random() < 0.7 else rng.uniform(0.35, 0.8)
    noon_utc = 12 - _standard_offset_hours(zone, day)
    first_hour = start.hour + start.minute / 60
    slot_hours = profile.slot / timedelta(hours=1)
    utc_hours = [(first_hour + i * slot_hours) % 24 for i in range(count)]
    solar = solar_wh(utc_hours, noon_utc, day, meter.solar_kw, clearness)
    delivered = array("i", (max(used - made, 0) for used, made in zip(load, solar, strict=True)))
    received = array("i", (max(made - used, 0) for used, made in zip(load, solar, strict=True)))
    return DaySeries(start, profile.slot, delivered, received, local_hours)


def readings(
    meter: SandboxMeter, start: datetime, end: datetime, estimated_from: datetime | None = None
) -> list[IntervalReading]:
    """Readings starting in ``[start, end)``, sorted by (start, direction)."""
    profile = PROFILES[meter.meter.commodity]
    zone = ZoneInfo(meter.meter.time_zone)
    unit, exponent = profile.unit, profile.exponent
    prices = pricing.price_list(meter.meter.commodity, unit)
    delivered, received = Direction.DELIVERED, Direction.RECEIVED
    actual, estimated = ReadingQuality.ACTUAL, ReadingQuality.ESTIMATED
    out: list[IntervalReading] = []
    append = out.append
    day = start.astimezone(zone).date()
    last_day = (end - timedelta(microseconds=1)).astimezone(zone).date()
    while day <= last_day:
        series = day_series(meter, day)
        slot = series.slot
        first = max(0, -((series.start - start) // slot))  # first slot starting at or after start
        stop = min(len(series.delivered), -((series.start - end) // slot))
        at = series.start + first * slot
        rates = prices.for_day(day)
        for i in range(first, stop):
            value = series.delivered[i]
            quality = actual
            if estimated_from is not None and at >= estimated_from:
                value, quality = value + value // 10, estimated
            amount = _decimal(value, exponent)
            cost, parts = _priced(value, exponent, rates[series.hours[i]])
            append(IntervalReading(at, slot, amount, unit, delivered, cost, quality, parts))
            if series.received:
                append(
                    IntervalReading(
                        at,
                        slot,
                        _decimal(series.received[i], exponent),
                        unit,
                        received,
                        quality=quality,
                    )
                )
            at += slot
        day += _DAY
    return out


def daily(readings: list[IntervalReading], zone: ZoneInfo) -> list[IntervalReading]:
    """Readings summed per local day and direction (cost, components by period; the day is
    estimated when any of its readings is). Only whole days: ``readings`` must start at a local
    midnight and end at one."""
    days: dict[tuple[datetime, Direction], list[IntervalReading]] = {}
    for reading in readings:
        midnight = datetime.combine(reading.start.astimezone(zone).date(), time(), zone)
        days.setdefault((midnight.astimezone(UTC), reading.direction), []).append(reading)
    out = []
    for (start, direction), found in sorted(days.items()):
        local = start.astimezone(zone).date()
        end = datetime.combine(local + _DAY, time(), zone).astimezone(UTC)
        costs = [r.cost for r in found]
        periods: dict[tuple[str | None, str | None], list[Decimal]] = {}
        for reading in found:
            for part in reading.components:
                shares = periods.setdefault((part.period, part.season), [Decimal(0), Decimal(0)])
                shares[0] += part.usage or 0
                shares[1] += part.cost or 0
        out.append(
            IntervalReading(
                start,
                end - start,
                sum((r.value for r in found), Decimal(0)),
                found[0].unit,
                direction,
                None if None in costs else sum((c for c in costs if c is not None), Decimal(0)),
                ReadingQuality.ESTIMATED
                if any(r.quality == ReadingQuality.ESTIMATED for r in found)
                else ReadingQuality.ACTUAL,
                tuple(
                    ReadingComponent(period, None, season, usage, cost)
                    for (period, season), (usage, cost) in sorted(
                        periods.items(), key=lambda item: str(item[0])
                    )
                ),
            )
        )
    return out


@lru_cache(maxsize=65_536)
def _priced(
    value: int, exponent: int, rate: pricing.Rate
) -> tuple[Decimal, tuple[ReadingComponent, ...]]:
    """A reading's cost and its one time-of-use component (none on a flat rate); cached,
    since a meter's readings repeat a few hundred values (cost dominated generation time)."""
    amount = _decimal(value, exponent)
    cost = amount * rate.price  # exact: a few decimals times a price in cents
    if rate.period is None:
        return cost, ()
    return cost, (ReadingComponent(rate.period, None, rate.season, amount, cost),)


@lru_cache(maxsize=65_536)
def _decimal(value: int, exponent: int) -> Decimal:
    return Decimal(value).scaleb(exponent)


def _local_hours(start: datetime, slot: timedelta, count: int, zone: ZoneInfo) -> list[float]:
    slot_hours = slot / timedelta(hours=1)
    if count * slot == _DAY:
        return [i * slot_hours for i in range(count)]
    hours = []
    for i in range(count):  # a DST day: ask the zone what the wall clock says
        local = (start + i * slot).astimezone(zone)
        hours.append(local.hour + local.minute / 60)
    return hours


def _shape(
    winter: tuple[float, ...], summer: tuple[float, ...], hour: float, summer_weight: float
) -> float:
    index = int(hour)
    return winter[index] * (1 - summer_weight) + summer[index] * summer_weight


def _standard_offset_hours(zone: ZoneInfo, day: date) -> float:
    offset = datetime(day.year, 1, 15, 12, tzinfo=zone).utcoffset() or timedelta()
    return offset / timedelta(hours=1)
