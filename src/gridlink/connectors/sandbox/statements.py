"""Monthly statements of sandbox meters, consistent with their interval data.

A meter is read on its own day of the month (moved a little each month, never on a
Sunday); a statement covers ``[read date, next read date)``, is issued a few days later and
due 21 days after that. Its charges come from the period's readings (``charges.py``); its
line items add up to its new charges to the cent.

The account side follows one rule, so every bill can be computed on its own: the customer
pays each bill in full before the next one is issued, except now and then (never two months
running) when the payment arrives late: the next bill then shows no payment, carries the
balance and adds a late payment charge. So ``amount_due = previous_balance - payments +
new_charges`` on every bill, and ``previous_balance`` is the previous bill's ``amount_due``.
Net-metered (solar) bills show only their charges: their credits are banked for an annual
true-up the sandbox does not model, so balance, payments and amount due are unknown (null).

Commercial meters are re-read once a year: that period is billed again a month later as a
corrected statement closing two days later (overlapping the next bill), charges only.
"""

from __future__ import annotations

import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from typing import NamedTuple

from gridlink.connectors.models import LineItem, LineItemKind, ServiceClass, Statement
from gridlink.connectors.sandbox.charges import CENT, Charges, charges
from gridlink.connectors.sandbox.customers import SandboxMeter
from gridlink.connectors.sandbox.pdf import render_pdf

LATE_CHANCE = 0.08
LATE_CHARGE_RATE = Decimal("0.015")
CORRECTION_DAYS = 2


class Period(NamedTuple):
    start: date
    end: date  # exclusive: the closing read date
    issued: date
    month: int  # the month index of the read that opens it (year * 12 + month - 1)
    corrected: bool = False


def periods(meter: SandboxMeter, today: date, months: int) -> list[Period]:
    """The last ``months`` monthly periods whose statement was issued by ``today``, and the
    corrections of them issued by then, ordered by period."""
    month_index = today.year * 12 + today.month - 1
    regular = [
        _regular(meter, index)
        for index in range(month_index - months - 2, month_index)
        if _regular(meter, index).issued <= today
    ][-months:]
    corrections = [
        fix
        for period in regular
        if (fix := _correction(meter, period)) is not None and fix.issued <= today
    ]
    return sorted(regular + corrections, key=lambda p: (p.start, p.end))


def statement(meter: SandboxMeter, period: Period, *, header: tuple[str, str]) -> Statement:
    start, end, issued, month, corrected = period
    bill = _bill_charges(meter, period)
    due = None if corrected else issued + timedelta(days=21)
    balance = None if corrected or meter.solar_kw > 0 else _balance(meter, month)
    previous, payments, amount_due = balance if balance is not None else (None, None, None)
    lines = [
        *header,
        f"Meter {meter.meter.number} ({meter.meter.tariff})",
        ("Corrected statement: " if corrected else "")
        + f"service {start.isoformat()} to {end.isoformat()}, issued {issued.isoformat()}",
        f"Usage: {bill.usage} {bill.unit}",
        *(f"{t.period} usage: {t.usage} {t.unit}" for t in bill.tou),
        *([f"Peak demand: {bill.demand_kw} kW"] if bill.demand_kw is not None else []),
        *(f"{item.description}: ${item.amount}" for item in bill.items),
        f"New charges: ${bill.total}",
    ]
    if balance is not None:
        lines += [
            f"Previous balance: ${previous}",
            f"Payments received: ${payments}",
            f"Amount due by {due}: ${amount_due}",
        ]

    async def pdf() -> bytes:
        return render_pdf(lines)

    return Statement(
        period_start=start,
        period_end=end,
        statement_date=issued,
        due_date=due,
        amount_due=amount_due,
        usage=bill.usage,
        usage_unit=bill.unit,
        line_items=bill.items,
        native_id=f"{meter.meter.number}-{end:%Y%m%d}" + ("-C" if corrected else ""),
        pdf=pdf,
        new_charges=bill.total,
        total_charges=bill.total,  # one meter per sandbox bill
        previous_balance=previous,
        payments=payments,
        demand=bill.demand_kw,
        demand_unit=None if bill.demand_kw is None else "kW",
        tou_usage=bill.tou,
    )


def _regular(meter: SandboxMeter, index: int) -> Period:
    start, end = _read_date(meter, index), _read_date(meter, index + 1)
    issued = end + timedelta(days=2 + (meter.seed + end.toordinal()) % 3)
    return Period(start, end, issued, index)


def _correction(meter: SandboxMeter, period: Period) -> Period | None:
    """Once a year a commercial meter's period is re-read and billed again with the next bill."""
    if meter.meter.service_class != ServiceClass.COMMERCIAL or (meter.seed + period.month) % 12:
        return None
    end = period.end + timedelta(days=CORRECTION_DAYS)
    return Period(period.start, end, _regular(meter, period.month + 1).issued, period.month, True)


def _bill_charges(meter: SandboxMeter, period: Period) -> Charges:
    """The period's charges, with a late payment charge when the last payment was late."""
    found = charges(meter, period.start, period.end)
    if period.corrected or meter.solar_kw > 0 or not _late(meter, period.month):
        return found
    unpaid = _amount_due(meter, period.month - 1)
    fee = LineItem(
        "Late payment charge",
        (unpaid * LATE_CHARGE_RATE).quantize(CENT, ROUND_HALF_UP),
        rate=LATE_CHARGE_RATE,
        kind=LineItemKind.FEE,
    )
    return Charges(found.usage, found.unit, (*found.items, fee), found.tou, found.demand_kw)


def _late(meter: SandboxMeter, index: int) -> bool:
    """Whether the payment of bill ``index - 1`` missed bill ``index`` (never twice running)."""

    def unlucky(month: int) -> bool:
        return random.Random(f"late:{meter.seed}:{month}").random() < LATE_CHANCE  # noqa: S311

    return unlucky(index) and not unlucky(index - 1)


@lru_cache(maxsize=4_096)
def _amount_due(meter: SandboxMeter, index: int) -> Decimal:
    """Bounded: a late month carries the previous bill, which was paid on time."""
    new = _bill_charges(meter, _regular(meter, index)).total
    return new + _amount_due(meter, index - 1) if _late(meter, index) else new


def _balance(meter: SandboxMeter, index: int) -> tuple[Decimal, Decimal, Decimal]:
    """(previous balance, payments, amount due) of the monthly bill ``index``."""
    previous = _amount_due(meter, index - 1)
    payments = Decimal("0.00") if _late(meter, index) else previous
    return previous, payments, _amount_due(meter, index)


def _read_date(meter: SandboxMeter, month_index: int) -> date:
    year, month = divmod(month_index, 12)
    jitter = random.Random(meter.seed + month_index).choice((-1, 0, 0, 1, 2))  # noqa: S311
    read = date(year, month + 1, meter.read_day) + timedelta(days=jitter)
    return read + timedelta(days=1) if read.weekday() == 6 else read
