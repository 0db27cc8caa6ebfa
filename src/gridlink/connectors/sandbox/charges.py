"""What a sandbox bill charges for one period, from the meter's own interval data.

Usage is the sum of the period's readings (net for solar). Line items are typed: a daily
customer charge and usage charges for delivery, the commodity as supply, a program fee, a
tax, and a climate credit on April and October bills. A time-of-use tariff (its name holds
``TOU``) splits usage and generation into peak (16:00-21:00 local, every day) and off-peak;
a commercial electric meter is billed its peak 15-minute demand in kW. Amounts are rounded
to the cent per item, so the items add up to the period's charges exactly.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from functools import lru_cache
from zoneinfo import ZoneInfo

from gridlink.connectors.models import Commodity, LineItem, ServiceClass, TouUsage
from gridlink.connectors.models import LineItemKind as Kind
from gridlink.connectors.sandbox.customers import SandboxMeter
from gridlink.connectors.sandbox.intervals import day_series
from gridlink.connectors.sandbox.load import PROFILES
from gridlink.connectors.units import convert

CENT = Decimal("0.01")
PEAK_HOURS = (time(16), time(21))
PEAK, OFF_PEAK = "Peak", "Off-peak"
CREDIT_MONTHS = (4, 10)


@dataclass(frozen=True, slots=True)
class Charges:
    usage: Decimal
    unit: str
    items: tuple[LineItem, ...]
    tou: tuple[TouUsage, ...] = ()
    demand_kw: Decimal | None = None

    @property
    def total(self) -> Decimal:
        return sum((item.amount for item in self.items), Decimal("0.00"))


@dataclass(frozen=True, slots=True)
class _Totals:
    """Integer units (Wh, milli-therm, gallon) over a period."""

    net: int
    peak_net: int  # within the daily peak hours
    max_slot: int  # the largest delivered reading


@lru_cache(maxsize=2_048)
def charges(meter: SandboxMeter, start: date, end: date) -> Charges:
    """The charges of ``[start, end)`` (local dates): every bill, original or corrected."""
    return _BILLERS[meter.meter.commodity](meter, start, end, _totals(meter, start, end))


def is_time_of_use(meter: SandboxMeter) -> bool:
    return "TOU" in (meter.meter.tariff or "")


def _totals(meter: SandboxMeter, start: date, end: date) -> _Totals:
    zone = ZoneInfo(meter.meter.time_zone)
    net = peak = largest = 0
    for offset in range((end - start).days):
        day = start + timedelta(days=offset)
        series = day_series(meter, day)
        net += series.net_total()
        largest = max(largest, max(series.delivered, default=0))
        first, last = (
            (datetime.combine(day, t, zone).astimezone(UTC) - series.start) // series.slot
            for t in PEAK_HOURS
        )
        peak += sum(series.delivered[first:last]) - sum(series.received[first:last])
    return _Totals(net, peak, largest)


def _escalation(start: date) -> Decimal:
    """Rates rise 3.5 % a year from 2024."""
    return (Decimal("1.035") ** (start.year - 2024)).quantize(Decimal("0.000001"))


def _whole(total: int, commodity: Commodity) -> Decimal:
    """Bills show whole kWh and therms: the interval sum, rounded."""
    return Decimal(total).scaleb(PROFILES[commodity].exponent).quantize(Decimal(1), ROUND_HALF_UP)


def _usage_item(
    description: str, quantity: Decimal, unit: str, rate: Decimal, kind: Kind
) -> LineItem:
    rate = rate.quantize(Decimal("0.00001"), ROUND_HALF_UP)
    amount = (quantity * rate).quantize(CENT, ROUND_HALF_UP)
    return LineItem(description, amount, quantity, unit, rate, kind)


def _daily_item(description: str, days: int, per_day: Decimal, kind: Kind) -> LineItem:
    amount = (per_day * days).quantize(CENT, ROUND_HALF_UP)
    return LineItem(description, amount, Decimal(days), "day", per_day, kind)


def _tax(description: str, items: list[LineItem], rate: Decimal) -> LineItem:
    subtotal = sum((item.amount for item in items), Decimal(0))
    amount = (max(subtotal, Decimal(0)) * rate).quantize(CENT, ROUND_HALF_UP)
    return LineItem(description, amount, kind=Kind.TAX)


def _credit(end: date, items: list[LineItem], amount: Decimal) -> list[LineItem]:
    """A climate credit on bills closing in April and October: never more than half the
    bill, so a bill stays a bill (net-metered ones can already be negative: no credit)."""
    subtotal = sum((item.amount for item in items), Decimal(0))
    credit = min(amount, (subtotal / 2).quantize(CENT, ROUND_HALF_UP))
    if end.month not in CREDIT_MONTHS or credit <= 0:
        return []
    return [LineItem("Climate credit", -credit, kind=Kind.CREDIT)]


def _electric(meter: SandboxMeter, start: date, end: date, totals: _Totals) -> Charges:
    kwh = _whole(totals.net, Commodity.ELECTRIC)
    esc = _escalation(start)
    days = (end - start).days
    generation = (Decimal("0.158") if start.month in (6, 7, 8, 9) else Decimal("0.131")) * esc
    commercial = meter.meter.service_class == ServiceClass.COMMERCIAL
    items = [
        _daily_item(
            "Basic service charge",
            days,
            Decimal("0.98") if commercial else Decimal("0.39"),
            Kind.DELIVERY,
        )
    ]
    tou: tuple[TouUsage, ...] = ()
    if is_time_of_use(meter):
        peak = _whole(totals.peak_net, Commodity.ELECTRIC)
        tou = (TouUsage(PEAK, peak, "kWh"), TouUsage(OFF_PEAK, kwh - peak, "kWh"))
        items += [
            _usage_item("Generation, peak", peak, "kWh", generation * Decimal("1.45"), Kind.SUPPLY),
            _usage_item(
                "Generation, off-peak", kwh - peak, "kWh", generation * Decimal("0.85"), Kind.SUPPLY
            ),
        ]
    else:
        items.append(_usage_item("Generation", kwh, "kWh", generation, Kind.SUPPLY))
    items.append(_usage_item("Delivery", kwh, "kWh", Decimal("0.172") * esc, Kind.DELIVERY))
    demand = None
    if commercial:
        demand = (Decimal(totals.max_slot * 4) / 1000).quantize(Decimal("0.1"), ROUND_HALF_UP)
        items.append(
            _usage_item("Demand charge", demand, "kW", Decimal("18.40") * esc, Kind.DELIVERY)
        )
    items.append(_usage_item("Public purpose programs", kwh, "kWh", Decimal("0.0145"), Kind.FEE))
    items.append(_tax("Utility users' tax", items, Decimal("0.0375")))
    items += _credit(end, items, Decimal("38.39"))
    return Charges(kwh, "kWh", tuple(items), tou, demand)


def _gas(meter: SandboxMeter, start: date, end: date, totals: _Totals) -> Charges:
    therms = _whole(totals.net, Commodity.GAS)
    esc = _escalation(start)
    procurement = Decimal("1.05") if start.month in (11, 12, 1, 2, 3) else Decimal("0.89")
    commercial = meter.meter.service_class == ServiceClass.COMMERCIAL
    items = [
        _daily_item(
            "Customer charge",
            (end - start).days,
            Decimal("0.54") if commercial else Decimal("0.21"),
            Kind.DELIVERY,
        ),
        _usage_item("Gas procurement", therms, "therm", procurement * esc, Kind.SUPPLY),
        _usage_item("Gas transportation", therms, "therm", Decimal("1.18") * esc, Kind.DELIVERY),
        _usage_item("Public purpose surcharge", therms, "therm", Decimal("0.102"), Kind.FEE),
    ]
    items.append(_tax("Utility users' tax", items, Decimal("0.03")))
    items += _credit(end, items, Decimal("51.17"))
    return Charges(therms, "therm", tuple(items))


def _water(meter: SandboxMeter, start: date, end: date, totals: _Totals) -> Charges:
    ccf = convert(Decimal(totals.net), "gal", "CCF").quantize(CENT, ROUND_HALF_UP)
    esc = _escalation(start)
    days = (end - start).days
    tier1 = min(ccf, Decimal(8))
    items = [
        _daily_item("Meter service charge", days, Decimal("0.61"), Kind.DELIVERY),
        _usage_item(
            "Water usage, tier 1 (first 8 CCF)", tier1, "CCF", Decimal("4.12") * esc, Kind.SUPPLY
        ),
    ]
    if ccf > tier1:
        items.append(
            _usage_item(
                "Water usage, tier 2", ccf - tier1, "CCF", Decimal("5.87") * esc, Kind.SUPPLY
            )
        )
    items.append(_daily_item("Sewer service charge", days, Decimal("1.05"), Kind.OTHER))
    return Charges(ccf, "CCF", tuple(items))


_BILLERS = {Commodity.ELECTRIC: _electric, Commodity.GAS: _gas, Commodity.WATER: _water}
