"""Interval windows, end to end: the connector drives the real ``opower`` library against the
fake opower.com, and the readings of consecutive windows must be exactly what the meter
measured — every published interval once, no hour lost at a window boundary, in three
time zones, across the fall-back (2025-11-02) and spring-forward (2026-03-08) changes.

The sync asks for 31-day chunks starting at UTC midnight (history start + n * 31 days);
incremental syncs ask for short windows. A UTC midnight is not a local one: the library
reads whole days of the datetime's own zone, so these windows are where hours went missing.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest

from gridlink.connectors.base import ConnectorSession
from gridlink.connectors.models import Direction, IntervalReading, Meter, Resolution
from tests.connectors.library_fakes import no_sockets  # noqa: F401 - autouse
from tests.connectors.opower_site import OpowerSite, aep_site, coa_site, comed_site, pge_site

NOW = datetime(2026, 3, 20, 17, 30, tzinfo=UTC)
FIRST = date(2025, 9, 1)
BACKFILL_FROM = datetime(2025, 10, 1, tzinfo=UTC)
FALL_BACK, SPRING_FORWARD = date(2025, 11, 2), date(2026, 3, 8)

SITES: dict[str, Callable[[], OpowerSite]] = {
    # America/Los_Angeles: hourly solar electric (import/export registers), daily gas.
    "pge": lambda: pge_site(NOW, mfa=False, solar=True, first_day=FIRST),
    # America/Chicago: quarter-hourly electric.
    "comed": lambda: comed_site(NOW, mfa="email", first_day=FIRST),
    # America/New_York: hourly electric from GraphQL read streams.
    "aep": lambda: aep_site(NOW, first_day=FIRST),
}


def windows(start: datetime, end: datetime, length: timedelta) -> list[tuple[datetime, datetime]]:
    found = []
    while start < end:
        found.append((start, min(start + length, end)))
        start += length
    return found


def around(day: date, days: int = 5) -> tuple[datetime, datetime]:
    """UTC midnights from ``days`` before ``day`` to ``days`` after."""
    moment = datetime(day.year, day.month, day.day, tzinfo=UTC)
    return moment - timedelta(days=days), moment + timedelta(days=days)


async def _meters(session: ConnectorSession) -> list[Meter]:
    return [m for a in await session.fetch_accounts() for m in await session.fetch_meters(a)]


async def _read(
    session: ConnectorSession, meter: Meter, spans: list[tuple[datetime, datetime]]
) -> list[IntervalReading]:
    found: list[IntervalReading] = []
    for start, end in spans:
        found += await session.fetch_intervals(meter, start, end)
    return found


@pytest.mark.parametrize("utility", SITES)
async def test_31_day_chunks_from_utc_midnight_return_every_published_reading(
    utility: str,
) -> None:
    async with SITES[utility]() as site, await site.sign_in(NOW) as session:
        for meter in await _meters(session):
            got = await _read(session, meter, windows(BACKFILL_FROM, NOW, timedelta(days=31)))
            expected = site.expected(meter.number, BACKFILL_FROM, NOW)
            assert len(got) == len(expected), meter.number
            assert got == expected, meter.number


@pytest.mark.parametrize("utility", SITES)
@pytest.mark.parametrize("change", [FALL_BACK, SPRING_FORWARD], ids=["fall-back", "spring-forward"])
async def test_one_day_windows_across_a_dst_change_return_every_reading(
    utility: str, change: date
) -> None:
    start, end = around(change)
    async with SITES[utility]() as site, await site.sign_in(NOW) as session:
        for meter in await _meters(session):
            got = await _read(session, meter, windows(start, end, timedelta(days=1)))
            assert got == site.expected(meter.number, start, end), meter.number


async def test_the_dst_days_have_23_and_25_hours_and_daily_reads_that_long() -> None:
    async with SITES["pge"]() as site, await site.sign_in(NOW) as session:
        electric, gas = await _meters(session)
        for day, hours in ((FALL_BACK, 25), (SPRING_FORWARD, 23)):
            start = datetime(day.year, day.month, day.day, 7 if hours == 25 else 8, tzinfo=UTC)
            end = start + timedelta(hours=hours)  # PG&E's local day, in UTC
            readings = await session.fetch_intervals(electric, start, end)
            delivered = [r for r in readings if r.direction == Direction.DELIVERED]
            assert len(delivered) == hours
            (daily,) = await session.fetch_intervals(gas, start, end)
            assert (daily.start, daily.duration) == (start, timedelta(hours=hours))


async def test_windows_at_any_hour_cut_exactly_and_rereading_changes_nothing() -> None:
    async with SITES["comed"]() as site, await site.sign_in(NOW) as session:
        (meter,) = await _meters(session)
        start, end = around(SPRING_FORWARD, 3)
        odd = windows(start + timedelta(hours=5, minutes=15), end, timedelta(hours=17))
        got = await _read(session, meter, odd)
        assert got == site.expected(meter.number, odd[0][0], end)
        again = await session.fetch_intervals(meter, odd[1][0], odd[3][1])
        assert again == [r for r in got if odd[1][0] <= r.start < odd[3][1]]


async def test_a_long_window_loses_no_hour_where_library_batches_would_meet() -> None:
    """Asked in one call, the library would split these 40 local days at the fall-back day
    and drop its last hour (test_opower_site shows it): one batch per call keeps it."""
    start = datetime(2025, 10, 21, tzinfo=UTC)  # Oct 20, 17:00 in Los Angeles
    end = datetime(2025, 11, 29, 8, tzinfo=UTC)  # the end of Nov 28 there
    async with SITES["pge"]() as site, await site.sign_in(NOW) as session:
        electric, _ = await _meters(session)
        got = await session.fetch_intervals(electric, start, end)
        assert got == site.expected(electric.number, start, end)
        assert datetime(2025, 11, 3, 7, tzinfo=UTC) in {r.start for r in got}


async def test_the_newest_window_stops_at_the_published_reads() -> None:
    """Opower answers the unpublished rest of today with zero reads; none become readings."""
    async with SITES["pge"]() as site, await site.sign_in(NOW) as session:
        electric, _ = await _meters(session)
        got = await session.fetch_intervals(electric, NOW - timedelta(days=3), NOW)
        published = site.api.truth(electric.number).published_until
        assert got == site.expected(electric.number, NOW - timedelta(days=3), NOW)
        assert max(r.start for r in got) == published - timedelta(hours=1)


async def test_each_window_is_one_request_per_library_batch() -> None:
    """A 31-day chunk of hourly reads is two DataBrowser requests; of 15-minute reads, six."""
    start, end = BACKFILL_FROM, BACKFILL_FROM + timedelta(days=31)
    for utility, requests in (("pge", 2), ("comed", 6)):
        async with SITES[utility]() as site, await site.sign_in(NOW) as session:
            meter = (await _meters(session))[0]
            before = site.data_requests("DataBrowser-v1")
            await session.fetch_intervals(meter, start, end)
            assert site.data_requests("DataBrowser-v1") - before == requests, utility


async def test_a_bill_only_utility_returns_no_interval_readings() -> None:
    """City of Austin serves bill history only: no month-long 0 kWh "intervals"."""
    async with coa_site(NOW, first_day=FIRST) as site, await site.sign_in(NOW) as session:
        meters = await _meters(session)
        assert len(meters) == 2
        for meter in meters:
            assert await session.fetch_intervals(meter, BACKFILL_FROM, NOW) == []
            assert await session.fetch_statements(meter)  # the bills are still there
        asked = [r.query for r in site.http.requests if "DataBrowser-v1" in r.path]
        assert asked == [{"aggregateType": "bill"}] * 2  # the statements' bill reads only


@pytest.mark.parametrize("utility", ["pge", "comed"])
async def test_daily_resolution_reads_one_reading_per_local_day(utility: str) -> None:
    """The backfill policy's old history: ``Resolution.DAY`` asks opower for daily reads,
    which cover local midnight to local midnight (23 and 25 hours on the DST days) and hold
    the day's usage, in far fewer requests than the finest reads."""
    start, end = datetime(2025, 10, 20, tzinfo=UTC), datetime(2025, 11, 20, tzinfo=UTC)
    async with SITES[utility]() as site, await site.sign_in(NOW) as session:
        [electric, *_] = await _meters(session)
        before = site.data_requests("DataBrowser-v1")
        daily = await session.fetch_intervals(electric, start, end, Resolution.DAY)
        requests = site.data_requests("DataBrowser-v1") - before
        finest = await session.fetch_intervals(electric, start, end)
    zone = ZoneInfo(electric.time_zone)
    delivered = [r for r in daily if r.direction == Direction.DELIVERED]
    days = {r.start.astimezone(zone).date() for r in delivered}
    assert len(days) == len(delivered) >= 30
    for reading in delivered:
        local = reading.start.astimezone(zone)
        assert local.time() == time(0)
        assert reading.end == datetime.combine(local.date() + timedelta(days=1), time(0), zone)
    assert {r.duration for r in delivered if r.start.astimezone(zone).date() == FALL_BACK} == {
        timedelta(hours=25)
    }
    # Each whole day holds the sum of its finest reads (what the utility aggregated).
    inside = [r for r in delivered if r.start >= start and r.end <= end]
    for reading in inside:
        parts = [
            f.value
            for f in finest
            if f.direction == Direction.DELIVERED and reading.start <= f.start < reading.end
        ]
        assert reading.value == pytest.approx(sum(parts), abs=Decimal("0.002"))
    assert requests == 1  # 31 daily reads in one request


async def test_a_gas_meter_without_a_forecast_takes_the_unit_its_bills_state() -> None:
    site = pge_site(NOW, mfa=False, first_day=FIRST)
    site.api.forecasts = False  # the utility serves no forecast for the account
    async with site, await site.sign_in(NOW) as session:
        gas = next(m for m in await _meters(session) if m.commodity == "gas")
        readings = await session.fetch_intervals(gas, *around(FALL_BACK))
    assert readings
    assert {r.unit for r in readings} == {"therm"}  # as billed, not the CCF default
