"""Well-formedness checks of what connectors return; each returns a list of problems."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from gridlink.connectors.errors import ConnectorError, Reaction
from gridlink.connectors.metadata import UtilityInfo
from gridlink.connectors.models import (
    Account,
    AccountStatus,
    Commodity,
    Direction,
    IntervalReading,
    LineItem,
    LineItemKind,
    Meter,
    ReadingComponent,
    ReadingQuality,
    ServiceAddress,
    ServiceClass,
    Statement,
    TouUsage,
)
from gridlink.connectors.units import fits_commodity

STATUSES = frozenset({"pending", "verified", "rejected", "timeout", "error"})
MAX_PERIOD = timedelta(days=100)
MAX_READING = timedelta(hours=25)  # a local day across the autumn DST change


def leaks(things: Iterable[object], secrets: Iterable[str]) -> list[str]:
    """Secrets that show in the repr() or str() of any of ``things``."""
    secrets = [s for s in secrets if len(s) >= 4]
    found = []
    for thing in things:
        text = f"{thing!r}\n{thing!s}"
        found += [
            f"a secret shows in {type(thing).__name__}: {text[:80]!r}..."
            for s in secrets
            if s in text
        ]
    return found


def error_problems(error: ConnectorError) -> list[str]:
    name = type(error).__name__
    found = []
    if getattr(error, "status", None) not in STATUSES:
        found.append(f"{name}.status must be one of {sorted(STATUSES)}")
    detail = getattr(error, "status_detail", "")
    if not (isinstance(detail, str) and detail.isupper()):
        found.append(f"{name}.status_detail must be an UPPER_CASE code")
    if not isinstance(getattr(error, "action_required", None), bool):
        found.append(f"{name}.action_required must be a bool")
    if getattr(error, "reaction", None) not in tuple(Reaction):
        found.append(f"{name}.reaction must be a Reaction")
    if not str(error).strip():
        found.append(f"{name} has no message")
    return found


def account_problems(account: object) -> list[str]:
    if not isinstance(account, Account):
        return [f"fetch_accounts returned {type(account).__name__}, not Account"]
    found = []
    if not account.number.strip():
        found.append("an account has an empty number")
    if account.service_address is not None and not isinstance(
        account.service_address, ServiceAddress
    ):
        found.append(f"account {account.number}: service_address must be a ServiceAddress or None")
    if account.status not in tuple(AccountStatus):
        found.append(f"account {account.number}: unknown status {account.status!r}")
    return found


def meter_problems(meter: object, utility: UtilityInfo) -> list[str]:
    if not isinstance(meter, Meter):
        return [f"fetch_meters returned {type(meter).__name__}, not Meter"]
    where = f"meter {meter.number}"
    found = [] if meter.number.strip() else ["a meter has an empty number"]
    if meter.commodity not in tuple(Commodity):
        found.append(f"{where}: unknown commodity {meter.commodity!r}")
    elif meter.commodity not in utility.commodities:
        found.append(f"{where}: {meter.commodity} is not a commodity of {utility.id}")
    if meter.service_class not in tuple(ServiceClass):
        found.append(f"{where}: unknown service class {meter.service_class!r}")
    try:
        ZoneInfo(meter.time_zone)
    except (ZoneInfoNotFoundError, ValueError):
        found.append(f"{where}: time_zone {meter.time_zone!r} is not an IANA zone")
    return found


def statement_problems(meter: Meter, statements: Sequence[object], since: date | None) -> list[str]:
    """Oldest first by period; overlapping periods are fine (bills as the utility issued
    them), one period twice is not (the latest issue of a period replaces the others)."""
    found: list[str] = []
    previous: Statement | None = None
    for statement in statements:
        if not isinstance(statement, Statement):
            return [f"fetch_statements returned {type(statement).__name__}, not Statement"]
        where = f"meter {meter.number} statement {statement.period_start}..{statement.period_end}"
        if not _dates_are_dates(statement):
            found.append(f"{where}: period, statement and due dates must be dates, not datetimes")
            continue
        found += [f"{where}: {p}" for p in _one_statement(statement, meter.commodity)]
        if since is not None and statement.period_end <= since:
            found.append(f"{where}: ends before `since` {since}")
        if previous is not None:
            key, before = _period(statement), _period(previous)
            if key == before:
                found.append(f"{where}: the same period twice (return only its latest issue)")
            elif key < before:
                found.append(f"{where}: not sorted by period (oldest first)")
        previous = statement
    return found


MONEY = ("amount_due", "new_charges", "total_charges", "previous_balance", "payments")
DEMAND_UNITS = frozenset({"kW", "kVA"})


def _one_statement(statement: Statement, commodity: Commodity) -> list[str]:
    found = []
    if not statement.period_start < statement.period_end <= statement.period_start + MAX_PERIOD:
        found.append("the period must be 1-100 days long")
    if statement.statement_date is not None and statement.statement_date < statement.period_start:
        found.append("issued before its period started")
    issued, due = statement.statement_date, statement.due_date
    if issued is not None and due is not None and due < issued:
        found.append("due before it was issued")
    for name in MONEY:
        value = getattr(statement, name)
        if value is not None and not _is_decimal(value):
            found.append(f"{name} must be a finite Decimal or None")
    payments = statement.payments
    if payments is not None and _is_decimal(payments) and payments < 0:
        found.append("payments are money received: not negative")
    found += _line_item_problems(statement)
    found += _usage_problems(statement, commodity)
    if len(statement.currency) != 3 or not statement.currency.isupper():
        found.append(f"currency {statement.currency!r} is not an ISO 4217 code")
    return found


def _line_item_problems(statement: Statement) -> list[str]:
    items = statement.line_items
    if not items:
        return []
    if not all(isinstance(item, LineItem) for item in items):
        return ["line items must be LineItem"]
    found = []
    if not all(item.kind in tuple(LineItemKind) for item in items):
        found.append(f"line item kinds must be one of {[k.value for k in LineItemKind]}")
    amounts = [item.amount for item in items]
    if not all(_is_decimal(a) for a in amounts):
        found.append("line item amounts must be finite Decimals")
    elif _is_decimal(statement.new_charges):
        total = sum(amounts, Decimal(0))
        if total != statement.new_charges:
            found.append(f"line items add up to {total}, not new_charges {statement.new_charges}")
    return found


def _usage_problems(statement: Statement, commodity: Commodity) -> list[str]:
    found = []
    if statement.usage is not None:
        if not _is_decimal(statement.usage):
            found.append("usage must be a finite Decimal")
        if statement.usage_unit is None or not fits_commodity(statement.usage_unit, commodity):
            found.append(f"usage unit {statement.usage_unit!r} is not a known {commodity} unit")
    if statement.demand is not None or statement.demand_unit is not None:
        if commodity != Commodity.ELECTRIC:
            found.append("demand is billed on electric meters only")
        demand = statement.demand
        if demand is None or not _is_decimal(demand) or demand < 0:
            found.append("demand must be a finite, non-negative Decimal")
        if statement.demand_unit not in DEMAND_UNITS:
            found.append(
                f"demand unit {statement.demand_unit!r} is not one of {sorted(DEMAND_UNITS)}"
            )
    for part in statement.tou_usage:
        if not isinstance(part, TouUsage):
            found.append("tou_usage must hold TouUsage")
            continue
        if not part.period.strip():
            found.append("a time-of-use period has no name")
        if not _is_decimal(part.usage):
            found.append(f"time-of-use usage {part.period!r} must be a finite Decimal")
        if not fits_commodity(part.unit, commodity):
            found.append(f"time-of-use unit {part.unit!r} is not a known {commodity} unit")
    return found


def _period(statement: Statement) -> tuple[date, date]:
    return statement.period_start, statement.period_end


def reading_problems(
    meter: Meter, readings: Sequence[object], start: datetime, end: datetime
) -> list[str]:
    found: list[str] = []
    last_end: dict[Direction, datetime] = {}
    previous_key: tuple[datetime, str] | None = None
    for reading in readings:
        if not isinstance(reading, IntervalReading):
            return [f"fetch_intervals returned {type(reading).__name__}, not IntervalReading"]
        problems = _one_reading(reading, meter.commodity, start, end)
        key = (reading.start, str(reading.direction))
        if not problems and previous_key is not None and key <= previous_key:
            problems.append("readings are not sorted by (start, direction)")
        if not problems and reading.start < last_end.get(reading.direction, reading.start):
            problems.append(f"overlaps the previous {reading.direction} reading")
        if problems:
            found += [f"meter {meter.number} reading at {reading.start}: {p}" for p in problems]
            if len(found) > 20:
                return found
            continue
        previous_key = key
        last_end[reading.direction] = reading.end
    return found


def _one_reading(
    reading: IntervalReading, commodity: Commodity, start: datetime, end: datetime
) -> list[str]:
    if not isinstance(reading.start, datetime) or reading.start.utcoffset() != timedelta(0):
        return ["start must be a timezone-aware UTC datetime"]
    found = []
    if not start <= reading.start < end:
        found.append(f"starts outside the requested window {start}..{end}")
    if not isinstance(reading.duration, timedelta) or reading.duration <= timedelta(0):
        found.append("duration must be a positive timedelta")
    elif reading.duration > MAX_READING:
        found.append("lasts more than 25 hours: a bill period is a Statement, not a reading")
    if not _is_decimal(reading.value) or (reading.value < 0 and reading.direction != "net"):
        found.append(
            "value must be a finite, non-negative Decimal (use direction for export; only "
            "net readings go below zero)"
        )
    if reading.cost is not None and not _is_decimal(reading.cost):
        found.append("cost must be a finite Decimal or None")
    if reading.quality is not None and reading.quality not in tuple(ReadingQuality):
        found.append(f"unknown quality {reading.quality!r}")
    found += _component_problems(reading.components)
    if not fits_commodity(reading.unit, commodity):
        found.append(f"unit {reading.unit!r} is not a known {commodity} unit")
    if reading.direction not in tuple(Direction):
        found.append(f"unknown direction {reading.direction!r}")
    return found


def _component_problems(components: object) -> list[str]:
    if not isinstance(components, tuple):
        return ["components must be a tuple of ReadingComponent"]
    found = []
    for component in components:
        if not isinstance(component, ReadingComponent):
            found.append(f"a component is {type(component).__name__}, not ReadingComponent")
            continue
        if component.period is None and component.tier is None:
            found.append("a component names neither a time-of-use period nor a tier")
        for name in ("usage", "cost"):
            value = getattr(component, name)
            if value is not None and not _is_decimal(value):
                found.append(f"a component's {name} must be a finite Decimal or None")
    return found


def _dates_are_dates(statement: Statement) -> bool:
    dates = (
        statement.period_start,
        statement.period_end,
        statement.statement_date,
        statement.due_date,
    )
    return not any(isinstance(d, datetime) or not isinstance(d, date | None) for d in dates)


def _is_decimal(value: object) -> bool:
    return isinstance(value, Decimal) and value.is_finite()
