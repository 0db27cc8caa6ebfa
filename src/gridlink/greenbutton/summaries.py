"""UsageSummary / ElectricPowerUsageSummary → a :class:`Statement` (a bill).

Money in ESPI is an integer in 1/100,000 of the currency. Enbridge writes 1/1,000 instead and
says so on its line items (a measurement with uom 80, money, and powerOfTenMultiplier -3): when
a summary's line items declare a money scale like that, the whole summary uses it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from lxml import etree

from gridlink.connectors.models import LineItem, Statement
from gridlink.greenbutton import codes
from gridlink.greenbutton import values as v
from gridlink.greenbutton.xmlsafe import local

_ESPI_MONEY = -5
_UOM_MONEY = 80
_UOM_SECONDS = 27


def _local_date(moment: datetime, zone: ZoneInfo) -> date:
    return moment.astimezone(zone).date()


def _money_scale(items: list[dict[str, etree._Element]]) -> int | None:
    for item in items:
        measurement = item.get("measurement")
        if measurement is None:
            continue
        parts = v.children(measurement)
        if v.integer(parts.get("uom")) == _UOM_MONEY and "powerOfTenMultiplier" in parts:
            return v.power_of_ten(parts["powerOfTenMultiplier"])
    return None


def _quantity(measurement: etree._Element | None) -> tuple[Decimal | None, str | None, int | None]:
    """A SummaryMeasurement: (scaled value, unit, raw uom code)."""
    if measurement is None:
        return None, None, None
    parts = v.children(measurement)
    uom = v.integer(parts.get("uom"))
    value = v.number(parts.get("value"))
    power = v.power_of_ten(parts.get("powerOfTenMultiplier"))
    scaled = None if value is None else value.scaleb(power)
    unit = codes.UOM.get(uom) if uom is not None else None
    return scaled, unit, uom


def statement(
    summary: etree._Element,
    *,
    zone: ZoneInfo,
    currency: str | None,
    native_id: str | None,
    warnings: list[str],
) -> Statement | None:
    """The bill a summary describes, or None (with a warning) when it gives no bill period or
    says nothing a bill holds."""
    name = f"<{local(summary.tag)}> at line {summary.sourceline}"
    parts = v.children(summary)
    period = parts.get("billingPeriod")
    bounds = v.children(period) if period is not None else {}
    start = v.instant(bounds.get("start"))
    length = v.seconds(bounds.get("duration"))
    if start is None or length is None:
        warnings.append(f"{name} has no billing period; skipped")
        return None
    items = [
        v.children(child)
        for child in summary
        if local(child.tag) == "costAdditionalDetailLastPeriod"
    ]
    scale = _money_scale(items)
    if scale is not None and scale != _ESPI_MONEY:
        warnings.append(f"{name}: money read in 10^{scale} of the currency, as its line items say")
    money_scale = _ESPI_MONEY if scale is None else scale

    def money(element: etree._Element | None) -> Decimal | None:
        amount = v.number(element)
        return None if amount is None else amount.scaleb(money_scale)

    line_items: list[LineItem] = []
    payments = amount_due = None
    due_date = statement_date = None
    for item in items:
        kind = v.integer(item.get("itemKind"))
        note = v.text(item.get("note")) or ""
        amount = money(item.get("amount"))
        quantity, unit, uom = _quantity(item.get("measurement"))
        if uom == _UOM_SECONDS and quantity is not None:
            when = v.EPOCH + timedelta(seconds=float(quantity))
            if note.lower() == "due date":
                due_date = _local_date(when, zone)
            elif note.lower() == "bill date":
                statement_date = _local_date(when, zone)
            continue
        if amount is None:
            continue
        if kind == codes.ITEM_PAYMENT:
            payments = (payments or Decimal(0)) + abs(amount)
        elif kind in codes.ITEM_KIND:
            rate = money(item.get("unitCost"))
            line_items.append(
                LineItem(
                    description=note or f"line item kind {kind}",
                    amount=amount,
                    quantity=quantity if uom != _UOM_MONEY else None,
                    unit=unit if uom != _UOM_MONEY else None,
                    rate=rate,
                    kind=codes.ITEM_KIND[kind],
                )
            )
        elif note.lower() == "amount due":
            amount_due = amount
    bill = money(parts.get("billLastPeriod"))
    usage, usage_unit, _ = _quantity(parts.get("overallConsumptionLastPeriod"))
    new_charges = total_charges = None
    if bill is not None:
        if not line_items or sum(item.amount for item in line_items) == bill:
            new_charges = bill
        else:
            # The contract: line items add up to new_charges. These do not, so the bill total
            # is kept as the whole bill's charges and new_charges stays unknown.
            total_charges = bill
            warnings.append(f"{name}: line items do not add up to billLastPeriod {bill}")
    if bill is None and not line_items and usage is None and amount_due is None:
        warnings.append(f"{name} gives no bill amount, line item or usage; skipped")
        return None
    code = v.integer(parts.get("currency"))
    return Statement(
        period_start=_local_date(start, zone),
        period_end=_local_date(start + length, zone),
        statement_date=statement_date,
        due_date=due_date,
        amount_due=amount_due,
        usage=usage,
        usage_unit=usage_unit,
        line_items=tuple(line_items),
        currency=codes.CURRENCY.get(code, currency or "USD") if code else (currency or "USD"),
        native_id=native_id,
        new_charges=new_charges,
        total_charges=total_charges,
        payments=payments,
    )
