"""Sandbox data: deterministic, realistic, consistent between bills and intervals, DST-correct."""

from __future__ import annotations

import itertools
from collections import Counter
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from zoneinfo import ZoneInfo

import pytest

from gridlink.connectors.base import ConnectorContext, ConnectorSession, Credentials
from gridlink.connectors.models import (
    Commodity,
    Direction,
    IntervalReading,
    Meter,
    ServiceClass,
    Statement,
)
from gridlink.connectors.sandbox import GOOD_PASSWORD, SandboxConnector
from gridlink.connectors.sandbox.intervals import day_series
from gridlink.connectors.units import convert
from gridlink.kit.clock import ManualClock


async def login(
    context: ConnectorContext, username: str, utility: str = "sandbox_electric"
) -> ConnectorSession:
    return await SandboxConnector(utility, context).login(Credentials(username, GOOD_PASSWORD))


async def meters_of(session: ConnectorSession) -> list[Meter]:
    return [m for a in await session.fetch_accounts() for m in await session.fetch_meters(a)]


def local_day(meter: Meter, day: date) -> tuple[datetime, datetime]:
    zone = ZoneInfo(meter.time_zone)
    start = datetime.combine(day, time(), zone).astimezone(UTC)
    return start, datetime.combine(day + timedelta(days=1), time(), zone).astimezone(UTC)


async def snapshot(context: ConnectorContext, username: str, utility: str) -> list[object]:
    session = await login(context, username, utility)
    found: list[object] = list(await session.fetch_accounts())
    for meter in await meters_of(session):
        found.append(meter)
        found += await session.fetch_statements(meter)
        found += await session.fetch_intervals(meter, *local_day(meter, date(2025, 8, 1)))
    return found


@pytest.mark.parametrize("utility", ["sandbox_electric", "sandbox_combined", "sandbox_water"])
async def test_the_same_username_gets_identical_data(
    context: ConnectorContext, utility: str
) -> None:
    first = await snapshot(context, "user_multi", utility)
    day_series.cache_clear()  # regenerate from scratch, not from the cache
    again = await snapshot(
        ConnectorContext(clock=ManualClock(context.now())), "user_multi", utility
    )
    assert first == again
    assert len(first) > 100


async def test_a_suffix_gives_other_data_for_the_same_scenario(context: ConnectorContext) -> None:
    plain = await (await login(context, "user_good")).fetch_accounts()
    alice = await (await login(context, "user_good+alice")).fetch_accounts()
    assert len(plain) == len(alice) == 1
    assert plain[0].number != alice[0].number


async def test_user_multi_has_three_accounts_with_electric_and_gas(
    context: ConnectorContext,
) -> None:
    session = await login(context, "user_multi", "sandbox_combined")
    accounts = await session.fetch_accounts()
    assert len(accounts) == 3
    assert len({a.number for a in accounts}) == 3
    meters = await meters_of(session)
    assert Counter(m.commodity for m in meters) == {Commodity.ELECTRIC: 2, Commodity.GAS: 2}
    assert {m.service_class for m in meters} == {ServiceClass.RESIDENTIAL, ServiceClass.COMMERCIAL}
    assert {m.time_zone for m in meters} == {"America/New_York"}
    for account in accounts:
        assert account.service_address is not None
        assert account.service_address.state == "NY"
        assert account.service_address.postal_code in ("00030", "00031")


@pytest.mark.parametrize(
    ("utility", "zone", "counts"),
    [
        ("sandbox_electric", "America/Los_Angeles", (92, 96, 100)),  # 15-minute
        ("sandbox_combined", "America/New_York", (92, 96, 100)),
        ("sandbox_water", "America/Chicago", (23, 24, 25)),  # hourly
        ("sandbox_gas", "America/Los_Angeles", (23, 24, 25)),
    ],
)
async def test_a_local_day_has_the_right_number_of_intervals_across_dst(
    context: ConnectorContext, utility: str, zone: str, counts: tuple[int, int, int]
) -> None:
    session = await login(context, "user_good", utility)
    (meter,) = await meters_of(session)
    assert meter.time_zone == zone
    for day, expected in zip(
        (date(2025, 3, 9), date(2025, 3, 10), date(2025, 11, 2)), counts, strict=True
    ):
        start, end = local_day(meter, day)
        readings = await session.fetch_intervals(meter, start, end)
        assert len(readings) == expected
        assert readings[0].start == start
        assert readings[-1].end == end
        assert all(a.end == b.start for a, b in itertools.pairwise(readings))


async def test_24_months_of_contiguous_statements(context: ConnectorContext) -> None:
    session = await login(context, "user_good")
    (meter,) = await meters_of(session)
    statements = await session.fetch_statements(meter)
    assert len(statements) == 24
    for earlier, later in itertools.pairwise(statements):
        assert earlier.period_end == later.period_start
    today = context.now().astimezone(ZoneInfo(meter.time_zone)).date()
    assert all(s.statement_date is not None and s.statement_date <= today for s in statements)
    assert all(25 <= (s.period_end - s.period_start).days <= 35 for s in statements)
    for statement in statements:
        assert sum(i.amount for i in statement.line_items) == statement.new_charges
        assert statement.due_date == statement.statement_date + timedelta(days=21)  # type: ignore[operator]
    since = statements[-3].period_end
    assert await session.fetch_statements(meter, since) == statements[-2:]


async def usage_between(
    session: ConnectorSession, meter: Meter, statement: Statement
) -> dict[str, Decimal]:
    start = local_day(meter, statement.period_start)[0]
    end = local_day(meter, statement.period_end)[0]
    readings = await session.fetch_intervals(meter, start, end)
    totals = {str(d): Decimal(0) for d in Direction}
    for reading in readings:
        totals[str(reading.direction)] += reading.value
    return totals


@pytest.mark.parametrize(
    ("username", "utility"),
    [
        ("user_good", "sandbox_electric"),
        ("user_solar", "sandbox_electric"),
        ("user_good", "sandbox_gas"),
    ],
)
async def test_bill_usage_is_the_sum_of_its_intervals(
    context: ConnectorContext, username: str, utility: str
) -> None:
    session = await login(context, username, utility)
    (meter,) = await meters_of(session)
    statement = (await session.fetch_statements(meter))[-1]
    totals = await usage_between(session, meter, statement)
    net = totals["delivered"] - totals["received"]
    assert statement.usage == net.quantize(Decimal(1), ROUND_HALF_UP)


async def test_water_bills_in_ccf_what_the_meter_counts_in_gallons(
    context: ConnectorContext,
) -> None:
    session = await login(context, "user_good", "sandbox_water")
    (meter,) = await meters_of(session)
    statement = (await session.fetch_statements(meter))[-1]
    gallons = (await usage_between(session, meter, statement))["delivered"]
    assert statement.usage_unit == "CCF"
    assert statement.usage == convert(gallons, "gal", "CCF").quantize(
        Decimal("0.01"), ROUND_HALF_UP
    )


async def daily_totals(
    session: ConnectorSession, meter: Meter, first: date, days: int
) -> list[Decimal]:
    start = local_day(meter, first)[0]
    end = local_day(meter, first + timedelta(days=days))[0]
    readings = await session.fetch_intervals(meter, start, end)
    zone = ZoneInfo(meter.time_zone)
    totals: Counter[date] = Counter()
    for reading in readings:
        totals[reading.start.astimezone(zone).date()] += reading.value  # type: ignore[assignment]
    return list(totals.values())


async def test_seasonal_shape(context: ConnectorContext) -> None:
    electric = await login(context, "user_good", "sandbox_electric")
    (meter,) = await meters_of(electric)
    july = await daily_totals(electric, meter, date(2025, 7, 10), 14)
    april = await daily_totals(electric, meter, date(2025, 4, 10), 14)
    assert sum(july) > Decimal("1.25") * sum(april)  # air conditioning
    gas = await login(context, "user_good", "sandbox_gas")
    (gas_meter,) = await meters_of(gas)
    january = await daily_totals(gas, gas_meter, date(2026, 1, 10), 14)
    august = await daily_totals(gas, gas_meter, date(2025, 8, 10), 14)
    assert sum(january) > 4 * sum(august)  # space heating


def hourly_means(readings: list[IntervalReading], zone: str) -> dict[int, Decimal]:
    sums: Counter[int] = Counter()
    for reading in readings:
        sums[reading.start.astimezone(ZoneInfo(zone)).hour] += reading.value  # type: ignore[assignment]
    return dict(sums)


async def test_daily_shape_peaks_in_the_evening(context: ConnectorContext) -> None:
    session = await login(context, "user_good")
    (meter,) = await meters_of(session)
    start, _ = local_day(meter, date(2025, 1, 6))
    _, end = local_day(meter, date(2025, 1, 19))
    by_hour = hourly_means(list(await session.fetch_intervals(meter, start, end)), meter.time_zone)
    night = sum(by_hour[h] for h in (2, 3, 4))
    evening = sum(by_hour[h] for h in (18, 19, 20))
    assert evening > 2 * night


async def test_solar_exports_at_midday_and_imports_at_night(context: ConnectorContext) -> None:
    session = await login(context, "user_solar")
    (meter,) = await meters_of(session)
    assert meter.tariff is not None
    assert meter.tariff.endswith("-NEM")
    readings = await session.fetch_intervals(meter, *local_day(meter, date(2025, 6, 21)))
    assert Counter(r.direction for r in readings) == {
        Direction.DELIVERED: 96,
        Direction.RECEIVED: 96,
    }
    by_start: dict[datetime, dict[Direction, Decimal]] = {}
    for reading in readings:
        by_start.setdefault(reading.start, {})[reading.direction] = reading.value
    assert all(min(values.values()) == 0 for values in by_start.values())  # never both ways at once
    zone = ZoneInfo(meter.time_zone)
    noon = [v for t, v in by_start.items() if 11 <= t.astimezone(zone).hour < 15]
    night = [v for t, v in by_start.items() if t.astimezone(zone).hour < 4]
    assert sum(v[Direction.RECEIVED] for v in noon) > 0
    assert all(v[Direction.RECEIVED] == 0 and v[Direction.DELIVERED] > 0 for v in night)


async def test_statement_pdf_is_a_pdf_about_that_bill(context: ConnectorContext) -> None:
    session = await login(context, "user_good")
    account = (await session.fetch_accounts())[0]
    (meter,) = await session.fetch_meters(account)
    statement = (await session.fetch_statements(meter))[-1]
    assert statement.pdf is not None
    pdf = await statement.pdf()
    assert pdf.startswith(b"%PDF-1.4")
    assert pdf.rstrip().endswith(b"%%EOF")
    assert account.number.encode() in pdf
    assert str(statement.amount_due).encode() in pdf
    xref = int(pdf.rsplit(b"startxref", 1)[1].split()[0])
    assert pdf[xref:].startswith(b"xref")


async def test_intervals_cover_24_months_up_to_yesterday(
    context: ConnectorContext, clock: ManualClock
) -> None:
    session = await login(context, "user_good")
    (meter,) = await meters_of(session)
    everything = await session.fetch_intervals(
        meter, datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC)
    )
    zone = ZoneInfo(meter.time_zone)
    today = clock.now().astimezone(zone).date()
    assert everything[-1].end == local_day(meter, today)[0]
    assert everything[0].start == local_day(meter, date(today.year - 2, today.month, today.day))[0]
    clock.advance(timedelta(days=1))
    later = await session.fetch_intervals(
        meter, everything[-1].end, datetime(2100, 1, 1, tzinfo=UTC)
    )
    assert len(later) == 96  # a new day arrives as the clock moves


async def test_unknown_meters_and_naive_times(context: ConnectorContext) -> None:
    session = await login(context, "user_good")
    (meter,) = await meters_of(session)
    stranger = Meter(
        "E000000000", Commodity.ELECTRIC, ServiceClass.RESIDENTIAL, None, "America/Los_Angeles"
    )
    assert await session.fetch_statements(stranger) == []
    assert await session.fetch_intervals(stranger, *local_day(meter, date(2025, 5, 1))) == []
    with pytest.raises(ValueError, match="timezone-aware"):
        await session.fetch_intervals(meter, datetime(2025, 5, 1), datetime(2025, 5, 2))
