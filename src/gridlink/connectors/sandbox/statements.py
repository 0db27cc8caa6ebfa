"""Monthly statements of sandbox meters, consistent with their interval data.

A meter is read on its own day of the month (moved a little each month, never on a
Sunday); a statement covers ``[read date, next read date)``, is issued a few days later and
due 21 days after that. Its usage is the sum of the interval readings of the period, and
its line items add up to the amount due to the cent.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal

from gridlink.connectors.models import Commodity, LineItem, ServiceClass, Statement
from gridlink.connectors.sandbox.customers import SandboxMeter
from gridlink.connectors.sandbox.intervals import day_series
from gridlink.connectors.sandbox.load import PROFILES
from gridlink.connectors.sandbox.pdf import render_pdf
from gridlink.connectors.units import convert

CENT = Decimal("0.01")
Period = tuple[date, date, date]  # start, end (exclusive), statement date


def periods(meter: SandboxMeter, today: date, months: int) -> list[Period]:
    """The last ``months`` periods whose statement was issued by ``today``, oldest first."""
    month_index = today.year * 12 + today.month - 1
    reads = [_read_date(meter, index) for index in range(month_index - months - 2, month_index + 1)]
    found = []
    for start, end in itertools.pairwise(reads):
        issued = end + timedelta(days=2 + (meter.seed + end.toordinal()) % 3)
        if issued <= today:
            found.append((start, end, issued))
    return found[-months:]


def statement(meter: SandboxMeter, period: Period, *, header: tuple[str, str]) -> Statement:
    start, end, issued = period
    total = sum(
        day_series(meter, start + timedelta(days=d)).net_total() for d in range((end - start).days)
    )
    commodity = meter.meter.commodity
    usage, unit, items = _BILLERS[commodity](meter, start, end, total)
    amount = sum((item.amount for item in items), Decimal("0.00"))
    due = issued + timedelta(days=21)
    lines = [
        *header,
        f"Meter {meter.meter.number} ({meter.meter.tariff})",
        f"Service {start.isoformat()} to {end.isoformat()}, issued {issued.isoformat()}",
        f"Usage: {usage} {unit}",
        *(f"{item.description}: ${item.amount}" for item in items),
        f"Amount due by {due.isoformat()}: ${amount}",
    ]

    async def pdf() -> bytes:
        return render_pdf(lines)

    return Statement(
        period_start=start,
        period_end=end,
        statement_date=issued,
        due_date=due,
        amount_due=amount,
        usage=usage,
        usage_unit=unit,
        line_items=tuple(items),
        native_id=f"{meter.meter.number}-{end:%Y%m%d}",
        pdf=pdf,
    )


def _read_date(meter: SandboxMeter, month_index: int) -> date:
    year, month = divmod(month_index, 12)
    jitter = random.Random(meter.seed + month_index).choice((-1, 0, 0, 1, 2))  # noqa: S311
    read = date(year, month + 1, meter.read_day) + timedelta(days=jitter)
    return read + timedelta(days=1) if read.weekday() == 6 else read


def _escalation(start: date) -> Decimal:
    """Rates rise 3.5 % a year from 2024."""
    return (Decimal("1.035") ** (start.year - 2024)).quantize(Decimal("0.000001"))


def _whole(total: int, commodity: Commodity) -> Decimal:
    """Bills show whole kWh and therms: the interval sum, rounded."""
    return Decimal(total).scaleb(PROFILES[commodity].exponent).quantize(Decimal(1), ROUND_HALF_UP)


def _usage_item(description: str, quantity: Decimal, unit: str, rate: Decimal) -> LineItem:
    rate = rate.quantize(Decimal("0.00001"), ROUND_HALF_UP)
    amount = (quantity * rate).quantize(CENT, ROUND_HALF_UP)
    return LineItem(description, amount, quantity, unit, rate)


def _fixed_item(description: str, days: int, per_day: Decimal) -> LineItem:
    return LineItem(
        description, (per_day * days).quantize(CENT, ROUND_HALF_UP), Decimal(days), "day", per_day
    )


def _tax(description: str, items: list[LineItem], rate: Decimal) -> LineItem:
    subtotal = sum((item.amount for item in items), Decimal(0))
    return LineItem(description, (max(subtotal, Decimal(0)) * rate).quantize(CENT, ROUND_HALF_UP))


Bill = tuple[Decimal, str, list[LineItem]]


def _electric(meter: SandboxMeter, start: date, end: date, total: int) -> Bill:
    kwh = _whole(total, Commodity.ELECTRIC)
    esc = _escalation(start)
    summer = start.month in (6, 7, 8, 9)
    per_day = (
        Decimal("0.98") if meter.meter.service_class == ServiceClass.COMMERCIAL else Decimal("0.39")
    )
    items = [
        _fixed_item("Basic service charge", (end - start).days, per_day),
        _usage_item(
            "Generation", kwh, "kWh", (Decimal("0.158") if summer else Decimal("0.131")) * esc
        ),
        _usage_item("Delivery", kwh, "kWh", Decimal("0.172") * esc),
        _usage_item("Public purpose programs", kwh, "kWh", Decimal("0.0145")),
    ]
    items.append(_tax("Utility users' tax", items, Decimal("0.0375")))
    return kwh, "kWh", items


def _gas(meter: SandboxMeter, start: date, end: date, total: int) -> Bill:
    therms = _whole(total, Commodity.GAS)
    esc = _escalation(start)
    winter = start.month in (11, 12, 1, 2, 3)
    per_day = (
        Decimal("0.54") if meter.meter.service_class == ServiceClass.COMMERCIAL else Decimal("0.21")
    )
    items = [
        _fixed_item("Customer charge", (end - start).days, per_day),
        _usage_item(
            "Gas procurement",
            therms,
            "therm",
            (Decimal("1.05") if winter else Decimal("0.89")) * esc,
        ),
        _usage_item("Gas transportation", therms, "therm", Decimal("1.18") * esc),
        _usage_item("Public purpose surcharge", therms, "therm", Decimal("0.102")),
    ]
    items.append(_tax("Utility users' tax", items, Decimal("0.03")))
    return therms, "therm", items


def _water(meter: SandboxMeter, start: date, end: date, total: int) -> Bill:
    ccf = convert(Decimal(total), "gal", "CCF").quantize(CENT, ROUND_HALF_UP)
    esc = _escalation(start)
    days = (end - start).days
    tier1 = min(ccf, Decimal(8))
    items = [
        _fixed_item("Meter service charge", days, Decimal("0.61")),
        _usage_item("Water usage, tier 1 (first 8 CCF)", tier1, "CCF", Decimal("4.12") * esc),
    ]
    if ccf > tier1:
        items.append(_usage_item("Water usage, tier 2", ccf - tier1, "CCF", Decimal("5.87") * esc))
    items.append(_fixed_item("Sewer service charge", days, Decimal("1.05")))
    return ccf, "CCF", items


_BILLERS = {Commodity.ELECTRIC: _electric, Commodity.GAS: _gas, Commodity.WATER: _water}
