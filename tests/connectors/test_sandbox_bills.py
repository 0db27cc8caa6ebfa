"""Sandbox bills as a utility issues them: balances, payments, typed charges, time-of-use
usage, demand and corrected bills, each consistent with the meter's interval readings."""

from __future__ import annotations

import itertools
from collections import Counter
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

from gridlink.connectors.base import ConnectorContext
from gridlink.connectors.models import (
    Direction,
    LineItemKind,
    Meter,
    ServiceClass,
    Statement,
)
from tests.connectors.test_sandbox_data import local_day, login, meters_of

ZERO = Decimal("0.00")


def _regular(statements: list[Statement]) -> list[Statement]:
    return [s for s in statements if s.native_id and not s.native_id.endswith("-C")]


async def _all_bills(context: ConnectorContext, username: str, utility: str) -> list[Statement]:
    session = await login(context, username, utility)
    return [s for m in await meters_of(session) for s in await session.fetch_statements(m)]


async def test_every_bill_balances_and_carries_the_previous_one(context: ConnectorContext) -> None:
    session = await login(context, "user_multi", "sandbox_combined")
    late = 0
    for meter in await meters_of(session):
        bills = _regular(list(await session.fetch_statements(meter)))
        assert len(bills) == 24
        for bill in bills:
            assert bill.previous_balance is not None
            assert bill.payments is not None
            assert bill.new_charges is not None
            assert bill.amount_due == bill.previous_balance - bill.payments + bill.new_charges
            assert bill.total_charges == bill.new_charges  # one meter per sandbox bill
            assert sum(i.amount for i in bill.line_items) == bill.new_charges
        for earlier, later in itertools.pairwise(bills):
            assert later.previous_balance == earlier.amount_due
            if later.payments == ZERO:  # the payment came late: carried, and charged for
                late += 1
                assert later.amount_due == earlier.amount_due + later.new_charges  # type: ignore[operator]
                fee = [i for i in later.line_items if i.description == "Late payment charge"]
                assert [i.kind for i in fee] == [LineItemKind.FEE]
            else:
                assert later.payments == earlier.amount_due
    assert late >= 1, "four meters over two years have a late payment somewhere"


async def test_line_items_are_typed_with_taxes_fees_and_spring_and_fall_credits(
    context: ConnectorContext,
) -> None:
    bills = await _all_bills(context, "user_good", "sandbox_electric")
    for bill in bills:
        kinds = Counter(item.kind for item in bill.line_items)
        assert kinds[LineItemKind.DELIVERY] >= 2
        assert kinds[LineItemKind.SUPPLY] >= 1
        assert kinds[LineItemKind.TAX] == 1
        assert kinds[LineItemKind.FEE] >= 1
        credits = [i for i in bill.line_items if i.kind == LineItemKind.CREDIT]
        assert bool(credits) == (bill.period_end.month in (4, 10))
        assert all(i.amount < 0 for i in credits)
    water = await _all_bills(context, "user_good", "sandbox_water")
    water_kinds = {i.kind for b in water for i in b.line_items} - {LineItemKind.FEE}  # late
    assert water_kinds == {
        LineItemKind.DELIVERY,
        LineItemKind.SUPPLY,
        LineItemKind.OTHER,  # the sewer service billed with the water
    }


async def _net_between(
    context: ConnectorContext, username: str, meter: Meter, bill: Statement
) -> list[tuple[int, Decimal, Decimal]]:
    """(local hour, net kWh, delivered kWh) of every reading of the bill's period."""
    session = await login(context, username, "sandbox_electric")
    start, end = local_day(meter, bill.period_start)[0], local_day(meter, bill.period_end)[0]
    zone = ZoneInfo(meter.time_zone)
    found: dict[object, list[Decimal]] = {}
    for reading in await session.fetch_intervals(meter, start, end):
        sign = 1 if reading.direction == Direction.DELIVERED else -1
        found.setdefault(reading.start, []).append(sign * reading.value)
    return [
        (when.astimezone(zone).hour, sum(values, Decimal(0)), max(values))  # type: ignore[attr-defined]
        for when, values in found.items()
    ]


async def test_time_of_use_usage_is_the_peak_hours_of_the_intervals(
    context: ConnectorContext,
) -> None:
    for username in ("user_good", "user_solar"):
        session = await login(context, username, "sandbox_electric")
        (meter,) = await meters_of(session)
        assert meter.tariff is not None
        assert "TOU" in meter.tariff
        bill = (await session.fetch_statements(meter))[-1]
        peak, off_peak = bill.tou_usage
        assert (peak.period, off_peak.period, peak.unit) == ("Peak", "Off-peak", "kWh")
        assert peak.usage + off_peak.usage == bill.usage
        readings = await _net_between(context, username, meter, bill)
        in_peak = sum((net for hour, net, _ in readings if 16 <= hour < 21), Decimal(0))
        assert peak.usage == in_peak.quantize(Decimal(1), ROUND_HALF_UP)
        assert {i.description for i in bill.line_items} >= {
            "Generation, peak",
            "Generation, off-peak",
        }
    gas = await _all_bills(context, "user_good", "sandbox_gas")
    assert {b.tou_usage for b in gas} == {()}  # not a time-of-use tariff


async def test_commercial_electric_bills_their_peak_demand_and_is_corrected_once_a_year(
    context: ConnectorContext,
) -> None:
    session = await login(context, "user_multi", "sandbox_electric")
    meters = await meters_of(session)
    (commercial,) = [m for m in meters if m.service_class == ServiceClass.COMMERCIAL]
    bills = list(await session.fetch_statements(commercial))
    for bill in bills:
        assert bill.demand is not None
        assert bill.demand_unit == "kW"
        demand_items = [i for i in bill.line_items if i.description == "Demand charge"]
        assert [(i.quantity, i.unit, i.kind) for i in demand_items] == [
            (bill.demand, "kW", LineItemKind.DELIVERY)
        ]
    readings = await _net_between(context, "user_multi", commercial, bills[-1])
    peak_kwh = max(delivered for _, _, delivered in readings)  # in 15 minutes
    assert bills[-1].demand == (peak_kwh * 4).quantize(Decimal("0.1"), ROUND_HALF_UP)
    for meter in meters:
        if meter is not commercial:
            assert {b.demand for b in await session.fetch_statements(meter)} == {None}

    corrected = [b for b in bills if b not in _regular(bills)]
    assert len(corrected) == 2  # one re-read a year
    for fix in corrected:
        (original,) = [b for b in bills if b.period_start == fix.period_start and b is not fix]
        following = next(b for b in bills if b.period_start == original.period_end)
        assert original.period_end < fix.period_end  # both kept, as issued
        assert fix.period_end > following.period_start  # it overlaps the next bill
        assert fix.statement_date == following.statement_date
        assert fix.statement_date > original.statement_date  # type: ignore[operator]
        assert (fix.amount_due, fix.previous_balance, fix.payments, fix.due_date) == (
            None,
            None,
            None,
            None,
        )
        assert fix.new_charges == sum(i.amount for i in fix.line_items)
        assert fix.usage is not None
        assert original.usage is not None
        assert fix.usage > original.usage  # two more days
    periods = [(b.period_start, b.period_end) for b in bills]
    assert periods == sorted(periods)
    assert len(set(periods)) == len(periods)


async def test_net_metered_bills_give_charges_but_no_balance(context: ConnectorContext) -> None:
    bills = await _all_bills(context, "user_solar", "sandbox_electric")
    assert any(b.new_charges is not None and b.new_charges < 0 for b in bills)  # a credit
    for bill in bills:
        assert (bill.amount_due, bill.previous_balance, bill.payments) == (None, None, None)
        assert bill.new_charges == sum(i.amount for i in bill.line_items)


async def test_meters_carry_their_bill_number_and_service_id(context: ConnectorContext) -> None:
    session = await login(context, "user_multi", "sandbox_combined")
    meters = await meters_of(session)
    assert all(m.meter_number == m.number for m in meters)
    ids = [m.service_id for m in meters]
    assert all(i is not None and len(i) == 10 and i.isdigit() for i in ids)
    assert len(set(ids)) == len(ids)
    again = await meters_of(await login(context, "user_multi", "sandbox_combined"))
    assert [m.service_id for m in again] == ids


async def test_the_pdf_shows_the_balance(context: ConnectorContext) -> None:
    session = await login(context, "user_good")
    (meter,) = await meters_of(session)
    bill = (await session.fetch_statements(meter))[-1]
    assert bill.pdf is not None
    pdf = await bill.pdf()
    for text in (
        f"Previous balance: ${bill.previous_balance}",
        f"Payments received: ${bill.payments}",
        f"New charges: ${bill.new_charges}",
        f"Amount due by {bill.due_date}: ${bill.amount_due}",
    ):
        assert text.encode() in pdf
