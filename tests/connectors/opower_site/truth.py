"""What a fake meter really measured: deterministic reads, costs and bills in local time.

Everything the fake opower.com serves (DataBrowser reads, GraphQL read streams, bills,
forecasts, City of Austin's bill history) is derived from one :class:`Truth` per meter, so
a test can compare what the connector returns with what was measured
(:meth:`Truth.readings`), independently of the library in between.

- Intervals follow the utility's local clock: hourly and quarter-hourly reads step in
  absolute time from local midnight (a spring-forward day has 23 hourly reads, a fall-back
  day 25); daily reads run from local midnight to local midnight (23 h or 25 h long).
- Values are whole thousandths (JSON floats whose ``str`` is exact), never zero, so the
  library's "drop trailing zero reads" cannot eat a published read.
- Reads exist from ``first_day``; they are *published* up to ``published_until`` (the
  utility's lag). Later intervals of the current local day come back as zeros, as opower's
  do, and nothing is served past the day after today.
- Time-of-use electric rates (on peak 16:00-21:00 local) and two-tier gas rates give each
  read ``readComponents`` whose costs add up to ``providedCost``.
- Bills close on ``bill_day`` each month; a bill's usage and charges are the sums of its
  period's reads plus a basic charge.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from functools import cached_property
from zoneinfo import ZoneInfo

from gridlink.connectors.models import Direction, IntervalReading, ReadingComponent

STEP = {
    "QUARTER_HOUR": timedelta(minutes=15),
    "HALF_HOUR": timedelta(minutes=30),
    "HOUR": timedelta(hours=1),
}
UNIT_NAME = {"KWH": "kWh", "THERM": "therm", "CCF": "CCF"}
BASIC_CHARGE = {"ELEC": 10.55, "GAS": 8.3, "WATER": 21.4}


@dataclass(frozen=True)
class Meter:
    """One opower utility account (a service agreement) and how it is read."""

    uuid: str
    account_number: str  # preferredUtilityAccountId: PG&E gives elec and gas the same one
    meter_type: str = "ELEC"  # ELEC, GAS, WATER
    resolution: str = "HOUR"  # opower readResolution: QUARTER_HOUR, HOUR, DAY, BILLING
    unit: str = "KWH"  # KWH, THERM, CCF
    solar: bool = False  # publishes DELIVERED and RECEIVED registers
    seed: int = 1
    first_day: date = date(2024, 1, 1)
    bill_day: int = 12
    rate_plan: str = "E-TOU-C"

    @property
    def service_point(self) -> str:
        return f"sp-{self.uuid}"

    @property
    def service_type(self) -> str:
        return {"ELEC": "ELECTRICITY", "GAS": "NATURAL_GAS", "WATER": "WATER"}[self.meter_type]


@dataclass(frozen=True)
class Component:
    tier_type: str | None
    tier_number: int | None
    season: str | None
    day_part: str | None
    cost: float
    value: float

    def as_json(self) -> dict[str, object]:
        return {
            "tierType": self.tier_type,
            "tierNumber": self.tier_number,
            "season": self.season,
            "dayPart": self.day_part,
            "cost": self.cost,
            "value": self.value,
        }


@dataclass(frozen=True)
class Read:
    start: datetime  # UTC
    end: datetime  # UTC
    value: float  # net (imported - exported) for solar meters
    cost: float
    components: tuple[Component, ...] = ()
    imported: float | None = None
    exported: float | None = None
    published: bool = True


@dataclass(frozen=True)
class Bill:
    """One completed bill of one meter: ``[start, end)`` local days."""

    start: date
    end: date
    bill_date: date
    usage: float
    usage_charges: float
    current_amount: float
    quantities: tuple[tuple[str, float], ...]  # (serviceQuantityIdentifier, value)


def _mix(seed: int, n: int) -> int:
    """A deterministic scramble of (seed, n): the same read always has the same value."""
    x = (n * 2654435761 + seed * 40503 + 12345) & 0xFFFFFFFF
    x ^= x >> 13
    x = (x * 1274126177) & 0xFFFFFFFF
    return x ^ (x >> 16)


def midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone).astimezone(UTC)


def add_months(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, day.day)


_DAYS: dict[tuple[Meter, str, datetime, date], list[Read]] = {}


@dataclass
class Truth:
    """One meter's reads and bills as its utility sees them."""

    meter: Meter
    zone: ZoneInfo
    now: datetime
    lag: timedelta = timedelta(hours=30)

    @cached_property
    def published_until(self) -> datetime:
        """Reads starting before this are published (a whole number of intervals)."""
        limit = self.now - self.lag
        step = STEP.get(self.meter.resolution)
        if step is None:  # daily: up to the last local midnight before the limit
            return midnight(limit.astimezone(self.zone).date(), self.zone)
        seconds = int(step.total_seconds())
        return datetime.fromtimestamp(int(limit.timestamp()) // seconds * seconds, UTC)

    @cached_property
    def last_served_day(self) -> date:
        """The last local day anything is served for: today (zeros after the lag)."""
        return self.now.astimezone(self.zone).date()

    # -- reads -----------------------------------------------------------------------------

    def day_reads(self, day: date) -> list[Read]:
        """The local day's reads, oldest first; none before first_day or after today."""
        if day < self.meter.first_day or day > self.last_served_day:
            return []
        key = (self.meter, self.zone.key, self.published_until, day)
        if key not in _DAYS:  # shared by every site of the test run: the same truth
            _DAYS[key] = self._make_day(day)
        return _DAYS[key]

    def reads(self, start: datetime, end: datetime) -> list[Read]:
        """Every read that starts in ``[start, end)``, published or not."""
        first = start.astimezone(self.zone).date() - timedelta(days=1)
        last = end.astimezone(self.zone).date()
        found = []
        day = first
        while day <= last:
            found += [r for r in self.day_reads(day) if start <= r.start < end]
            day += timedelta(days=1)
        return found

    def readings(
        self,
        start: datetime,
        end: datetime,
        *,
        priced: bool = True,
        rated_until: datetime | None = None,
        components: bool = True,
    ) -> list[IntervalReading]:
        """What a correct connector returns for ``[start, end)``: the published reads, with
        their cost and time-of-use or tier shares on a single-direction reading (``priced``
        False: the site served usage only; costs only of reads ending by ``rated_until``;
        ``components`` False: the site serves none)."""
        unit = UNIT_NAME[self.meter.unit]
        found = []
        for read in self.reads(start, end):
            if not read.published:
                continue
            duration = read.end - read.start
            if read.imported is not None and read.exported is not None:
                found.append(IntervalReading(read.start, duration, _dec(read.imported), unit))
                found.append(
                    IntervalReading(
                        read.start, duration, _dec(read.exported), unit, Direction.RECEIVED
                    )
                )
                continue
            direction = Direction.DELIVERED if read.value >= 0 else Direction.RECEIVED
            rated = priced and (rated_until is None or read.end <= rated_until)
            cost = _dec(read.cost) if rated and read.cost else None
            parts = tuple(_share(c) for c in read.components) if priced and components else ()
            found.append(
                IntervalReading(
                    read.start, duration, _dec(abs(read.value)), unit, direction, cost, None, parts
                )
            )
        return found

    def _make_day(self, day: date) -> list[Read]:
        begins, ends = midnight(day, self.zone), midnight(day + timedelta(days=1), self.zone)
        step = STEP.get(self.meter.resolution)
        spans = []
        if step is None:
            spans.append((begins, ends))
        else:
            moment = begins
            while moment < ends:
                spans.append((moment, moment + step))
                moment += step
        return [self._read(start, end) for start, end in spans]

    def _read(self, start: datetime, end: datetime) -> Read:
        n = int(start.timestamp()) // 900
        mixed = _mix(self.meter.seed, n)
        local = start.astimezone(self.zone)
        published = start < self.published_until
        hours = (end - start).total_seconds() / 3600
        if self.meter.meter_type == "ELEC":
            imported = round((0.05 + (mixed % 700) / 1000) * min(hours, 1) * _shape(local.hour), 3)
            if self.meter.resolution == "DAY":
                imported = round(8 + (mixed % 9000) / 1000, 3)
            imported = max(imported, 0.001)
            exported = None
            if self.meter.solar:
                sun = 10 <= local.hour < 16
                exported = (
                    round((0.3 + (mixed >> 10) % 900 / 1000) * min(hours, 1), 3) if sun else 0.0
                )
                if exported == imported:
                    exported = round(exported + 0.001, 3)
            net = round(imported - (exported or 0.0), 3)
            components = self._tou(local, net)
        else:
            net = round(0.4 + (mixed % 4000) / 1000, 3)  # therms or CCF a day
            imported, exported = net, None
            components = self._tiers(local, net)
        cost = round(sum(c.cost for c in components), 5)
        if not published:
            return Read(start, end, 0.0, 0.0, published=False)
        return Read(
            start,
            end,
            net,
            cost,
            components,
            imported if self.meter.solar else None,
            exported,
        )

    def _tou(self, local: datetime, value: float) -> tuple[Component, ...]:
        summer = 6 <= local.month <= 9
        peak = 16 <= local.hour < 21
        rate = (0.52 if peak else 0.34) if summer else (0.45 if peak else 0.31)
        part = f"{'ON_PEAK' if peak else 'OFF_PEAK'}+{self.meter.rate_plan}"
        season = "SUMMER" if summer else "WINTER"
        return (Component("ORDINAL", None, season, part, round(value * rate, 5), value),)

    def _tiers(self, local: datetime, value: float) -> tuple[Component, ...]:
        first = min(value, 2.0)
        second = round(value - first, 3)
        parts = [Component("ORDINAL", 1, None, None, round(first * 1.85, 5), first)]
        if second > 0:
            parts.append(Component("ORDINAL", 2, None, None, round(second * 2.35, 5), second))
        return tuple(parts)

    # -- bills -----------------------------------------------------------------------------

    @cached_property
    def bills(self) -> list[Bill]:
        """Completed bills, oldest first: periods closing on bill_day, issued three days
        later, listed once issued."""
        today = self.now.astimezone(self.zone).date()
        found = []
        close = date(self.meter.first_day.year, self.meter.first_day.month, self.meter.bill_day)
        if close <= self.meter.first_day:
            close = add_months(close, 1)
        start = self.meter.first_day
        while close + timedelta(days=3) <= today:
            found.append(self._bill(start, close))
            start, close = close, add_months(close, 1)
        return found

    def period_reads(self, start: date, end: date) -> list[Read]:
        reads = []
        day = start
        while day < end:
            reads += self.day_reads(day)
            day += timedelta(days=1)
        return reads

    def _bill(self, start: date, end: date) -> Bill:
        reads = self.period_reads(start, end)
        usage = round(sum(r.value for r in reads), 3)
        charges = round(sum(r.cost for r in reads), 2)
        amount = round(charges + BASIC_CHARGE[self.meter.meter_type], 2)
        quantities: tuple[tuple[str, float], ...] = (("NET_USAGE", usage),)
        if self.meter.solar:
            delivered = round(sum(r.imported or 0.0 for r in reads), 3)
            received = round(sum(r.exported or 0.0 for r in reads), 3)
            quantities += (("DELIVERED", delivered), ("RECEIVED", received))
        return Bill(start, end, end + timedelta(days=3), usage, charges, amount, quantities)

    def current_period(self) -> tuple[date, date]:
        """The open billing period: from the last closing date up to today, to the next."""
        today = self.now.astimezone(self.zone).date()
        end = date(today.year, today.month, self.meter.bill_day)
        if end <= today:
            end = add_months(end, 1)
        return max(add_months(end, -1), self.meter.first_day), end


def _shape(hour: int) -> float:
    """More use in the evening than at night."""
    return 1.6 if 17 <= hour < 22 else 0.7 if hour < 6 else 1.0


def _dec(value: float) -> Decimal:
    return Decimal(str(value))


def _share(component: Component) -> ReadingComponent:
    """A component as the connector maps it: the time-of-use period is ``dayPart`` before
    its "+" (the rest names the rate plan)."""
    period = component.day_part.split("+", 1)[0] if component.day_part else None
    return ReadingComponent(
        period, component.tier_number, component.season, _dec(component.value), _dec(component.cost)
    )
