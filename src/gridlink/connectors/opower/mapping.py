"""The opower library's objects → Gridlink's models. Pure functions, no I/O.

- An opower ``Account`` is one service agreement (typically one per commodity). Agreements
  sharing a utility account number (``utility_account_id``) are one Gridlink ``Account``;
  each agreement is a ``Meter`` numbered by its opower uuid (the library exposes no meter
  number). Service class and tariff are not in the library: residential, no tariff.
- Units stay as the library gives them: kWh for electric; gas and water in the account's
  forecast unit (THERM or CCF), else the unit its completed bills state, else CCF; a unit
  that does not fit the commodity (water "in kWh") is never taken.
- Interval reads: asked for by whole local days of the utility (``local_day_spans``) and
  cut to ``[start, end)``; the gross ``imported``/``exported`` split when the library has
  it (net-metered electric meters that publish both registers), else the net
  ``consumption``, whose sign picks the direction (negative = received by the grid).
  Reads longer than a day are the library's bill-history fallback, not intervals
  (``has_bill_periods``). A read's ``providedCost`` is its cost and its ``readComponents``
  its time-of-use period (``dayPart`` before the "+") or tier shares; the library turns a
  missing cost into 0, so a cost of 0 on non-zero usage is unknown (None). Costs belong to
  the net read: they ride on a single-direction reading, not on a register split.
- Statements: a completed ``Bill``'s segments for the agreement, whose current amounts add
  up to the statement's ``new_charges``, or, for utilities without completed bills, a
  bill-aggregated ``CostRead`` (its cost is the ``new_charges``). Bill periods are the
  library's UTC ``[start, end)`` in the utility's calendar; an end inside a day counts that
  day, so consecutive bills sharing a read day overlap by a day and are all kept. Neither
  source has an amount due, balance, payments, due date or line items: those stay null.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from opower import Account as OpowerAccount
from opower import (
    AggregateType,
    Bill,
    BillServiceQuantity,
    CostRead,
    Forecast,
    MeterType,
    ReadResolution,
    UnitOfMeasure,
    UsageRead,
)

from gridlink.connectors.library_support import to_decimal
from gridlink.connectors.models import (
    Account,
    Commodity,
    Direction,
    IntervalReading,
    Meter,
    ReadingComponent,
    Resolution,
    ServiceClass,
    Statement,
)
from gridlink.connectors.units import fits_commodity

COMMODITY = {
    MeterType.ELEC: Commodity.ELECTRIC,
    MeterType.GAS: Commodity.GAS,
    MeterType.WATER: Commodity.WATER,
}
UNIT = {UnitOfMeasure.KWH: "kWh", UnitOfMeasure.THERM: "therm", UnitOfMeasure.CCF: "CCF"}
DEFAULT_UNIT = {Commodity.ELECTRIC: "kWh", Commodity.GAS: "CCF", Commodity.WATER: "CCF"}
# The finest reads each resolution serves (five-minute meters are read by the quarter hour).
AGGREGATE = {
    ReadResolution.DAY: AggregateType.DAY,
    ReadResolution.HOUR: AggregateType.HOUR,
    ReadResolution.HALF_HOUR: AggregateType.HALF_HOUR,
    ReadResolution.QUARTER_HOUR: AggregateType.QUARTER_HOUR,
    ReadResolution.FIVE_MINUTE: AggregateType.QUARTER_HOUR,
}

# Days one library request covers: it reads [first day, last day + 1 day] and splits at
# 363 days of daily reads, 26 of hourly and 6 of finer ones (opower's per-request caps).
DAYS_PER_REQUEST = {
    AggregateType.DAY: 363,
    AggregateType.HOUR: 26,
    AggregateType.HALF_HOUR: 6,
    AggregateType.QUARTER_HOUR: 6,
}
LONGEST_DAY = timedelta(hours=25)


def accounts(agreements: Iterable[OpowerAccount]) -> list[Account]:
    numbers = dict.fromkeys(a.utility_account_id for a in agreements)
    return [Account(number, service_address=None) for number in numbers]


def meters(agreements: Iterable[OpowerAccount], account: Account, time_zone: str) -> list[Meter]:
    return [
        Meter(
            number=agreement.uuid,
            commodity=COMMODITY[agreement.meter_type],
            service_class=ServiceClass.RESIDENTIAL,
            tariff=None,
            time_zone=time_zone,
        )
        for agreement in agreements
        if agreement.utility_account_id == account.number
    ]


def unit_of(
    agreement: OpowerAccount, forecasts: Sequence[Forecast], bills: Sequence[Bill] = ()
) -> str:
    """The unit of the agreement's reads: its forecast's, else its bills', else the default."""
    commodity = COMMODITY[agreement.meter_type]
    return stated_unit(agreement, forecasts, bills) or DEFAULT_UNIT[commodity]


def stated_unit(
    agreement: OpowerAccount, forecasts: Sequence[Forecast], bills: Sequence[Bill] = ()
) -> str | None:
    """The unit the utility states for the agreement (forecast first, then bills) that fits
    its commodity; None when it states none."""
    commodity = COMMODITY[agreement.meter_type]
    if commodity == Commodity.ELECTRIC:
        return "kWh"
    stated = [f.unit_of_measure for f in forecasts if f.account.uuid == agreement.uuid]
    stated += [
        quantity.unit_of_measure
        for bill in bills
        for segment in bill.segments
        if segment.account.uuid == agreement.uuid
        for quantity in segment.service_quantities
        if quantity.unit_of_measure is not None
    ]
    fitting = [UNIT[u] for u in stated if u in UNIT and fits_commodity(UNIT[u], commodity)]
    return fitting[0] if fitting else None


def aggregate_for(
    agreement: OpowerAccount, resolution: Resolution = Resolution.FINEST
) -> AggregateType | None:
    """The read aggregation to ask for; None when the meter is read only per bill."""
    if agreement.read_resolution is None:
        return None
    finest = AGGREGATE.get(agreement.read_resolution)
    if resolution == Resolution.DAY and finest is not None:
        return AggregateType.DAY  # every resolution finer than bills also serves days
    return finest


def local_day_spans(
    start: datetime, end: datetime, zone: ZoneInfo, aggregate: AggregateType
) -> list[tuple[datetime, datetime]]:
    """The utility's local days holding ``[start, end)``, as (first day, last day) local
    midnights, each span short enough for one request of the library.

    The library reads whole days of the datetime's own zone (UTC datetimes would start at
    the wrong midnight). It splits a longer span into requests whose server windows end a
    fixed 24 hours after a local midnight, which loses the last hour of a fall-back day at
    an inner boundary: one request per call has none.
    """
    first = start.astimezone(zone).date()
    last = (end - timedelta(microseconds=1)).astimezone(zone).date()
    span = timedelta(days=DAYS_PER_REQUEST[aggregate] - 1)
    spans = []
    while first <= last:
        upto = min(last, first + span)
        spans.append((_local_midnight(first, zone), _local_midnight(upto, zone)))
        first = upto + timedelta(days=1)
    return spans


def _local_midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), zone)


def has_bill_periods(reads: Iterable[UsageRead | CostRead]) -> bool:
    """Whether the library answered an interval request with bill periods (its fallback
    for utilities that serve only bill history): any read longer than a 25-hour day."""
    return any(_duration(read) > LONGEST_DAY for read in reads)


def _duration(read: UsageRead | CostRead) -> timedelta:
    # In UTC: two times sharing a ZoneInfo subtract as wall clocks (a 25-hour day is 24).
    return read.end_time.astimezone(UTC) - read.start_time.astimezone(UTC)


def readings(
    reads: Iterable[UsageRead | CostRead],
    unit: str,
    start: datetime,
    end: datetime,
    *,
    registers: bool = True,
) -> list[IntervalReading]:
    """``registers`` False ignores the import/export split: the library looks registers up
    by utility account number, which PG&E gives electric and gas alike, so a gas meter can
    come back carrying its solar neighbour's electric registers."""
    found: dict[tuple[datetime, Direction], IntervalReading] = {}
    for read in reads:
        begins = read.start_time.astimezone(UTC)
        duration = _duration(read)
        if not start <= begins < end or duration <= timedelta(0):
            continue
        flows = _flows(read, registers)
        cost, parts = _priced(read) if len(flows) == 1 else (None, ())
        for direction, value in flows:
            found[begins, direction] = IntervalReading(
                begins, duration, value, unit, direction, cost, None, parts
            )
    return [found[key] for key in sorted(found)]


def _priced(read: UsageRead | CostRead) -> tuple[Decimal | None, tuple[ReadingComponent, ...]]:
    """The read's cost and its time-of-use or tier shares, as the utility gave them."""
    if not isinstance(read, CostRead):
        return None, ()
    cost: Decimal | None = to_decimal(read.provided_cost)
    if cost == 0 and read.consumption != 0:
        cost = None  # the library's 0 for "no cost given"
    parts = tuple(
        ReadingComponent(
            period=component.day_part.split("+", 1)[0] or None if component.day_part else None,
            tier=component.tier_number,
            season=component.season,
            usage=to_decimal(component.consumption),
            cost=to_decimal(component.cost),
        )
        for component in read.read_components
        if component.day_part or component.tier_number is not None
    )
    return cost, parts


def _flows(read: UsageRead | CostRead, registers: bool) -> list[tuple[Direction, Decimal]]:
    if registers and read.imported is not None and read.exported is not None:
        return [
            (Direction.DELIVERED, to_decimal(read.imported)),
            (Direction.RECEIVED, to_decimal(read.exported)),
        ]
    net = to_decimal(read.consumption)
    return [(Direction.DELIVERED, net) if net >= 0 else (Direction.RECEIVED, -net)]


def statements_from_bills(
    bills: Iterable[Bill], agreement_uuid: str, zone: ZoneInfo, since: date | None
) -> list[Statement]:
    """Newest-first library bills → this agreement's statements, oldest first."""
    issued: list[Statement] = []
    for bill in sorted(bills, key=lambda b: (b.bill_date, b.end_time)):
        segments = [s for s in bill.segments if s.account.uuid == agreement_uuid]
        amounts = [s.current_amount for s in segments if s.current_amount is not None]
        period = local_period(bill.start_time, bill.end_time, zone)
        if not amounts or period is None:
            continue  # not this agreement's bill, or a bill without an amount for it
        usage, usage_unit = _usage([q for s in segments for q in s.service_quantities])
        issued.append(
            Statement(
                period_start=period[0],
                period_end=period[1],
                statement_date=bill.bill_date if bill.bill_date >= period[0] else None,
                new_charges=sum((to_decimal(a) for a in amounts), Decimal(0)),
                usage=usage,
                usage_unit=usage_unit,
            )
        )
    return covering_since(_one_per_period(issued), since)


def statements_from_cost_reads(
    reads: Iterable[CostRead], unit: str, zone: ZoneInfo, since: date | None
) -> list[Statement]:
    """Bill-aggregated cost reads → statements (no issue date: the library has none)."""
    found = []
    for read in reads:
        period = local_period(read.start_time, read.end_time, zone)
        if period is None:
            continue
        found.append(
            Statement(
                period_start=period[0],
                period_end=period[1],
                new_charges=to_decimal(read.provided_cost),
                usage=to_decimal(read.consumption),
                usage_unit=unit,
            )
        )
    return covering_since(_one_per_period(found), since)


def local_period(start: datetime, end: datetime, zone: ZoneInfo) -> tuple[date, date] | None:
    first = start.astimezone(zone).date()
    last = end.astimezone(zone)
    after = last.date() if last.time() == time(0) else last.date() + timedelta(days=1)
    return (first, after) if first < after else None


def _usage(quantities: list[BillServiceQuantity]) -> tuple[Decimal | None, str | None]:
    """The billed usage: the only quantity with a unit, else the net one, else the delivered
    one; summed over repeated segments. None when the bill does not make it clear."""
    usable = [q for q in quantities if q.unit_of_measure is not None and q.value is not None]
    kinds = {q.service_quantity_identifier for q in usable}
    if len(kinds) > 1:
        named = sorted(k for k in kinds if k)
        wanted = next(
            (k for word in ("NET", "DELIVERED") for k in named if word in k.upper()), None
        )
        usable = [q for q in usable if q.service_quantity_identifier == wanted]
    units = {q.unit_of_measure for q in usable}
    if not usable or len(units) != 1:
        return None, None
    unit = units.pop()
    assert unit is not None
    total = sum((to_decimal(q.value) for q in usable if q.value is not None), Decimal(0))
    return total, UNIT[unit]


def _one_per_period(statements: list[Statement]) -> list[Statement]:
    """Every bill as issued, oldest period first. Overlapping periods are all kept; of bills
    for one same period the last in ``statements`` (the latest issued) replaces the others."""
    latest = {(s.period_start, s.period_end): s for s in statements}
    return [latest[key] for key in sorted(latest)]


def covering_since(statements: list[Statement], since: date | None) -> list[Statement]:
    return [s for s in statements if since is None or s.period_end > since]
