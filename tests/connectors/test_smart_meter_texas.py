"""The Smart Meter Texas connector against SMT faked at its HTTP boundary (tests/connectors/
smt_site.py), so the library's own sign-in, requests, meter list and slot parser run: the
conformance kit, readings over consecutive windows equal to the meter's truth across both
DST changes, SMT's 100-slot DST days, the actual/estimated flags, sessions closed."""

from __future__ import annotations

import ssl
from datetime import UTC, date, datetime, timedelta

import aiohttp
import pytest

from gridlink.connectors.base import Credentials
from gridlink.connectors.errors import InvalidCredentials, TemporarilyUnavailable
from gridlink.connectors.models import Commodity, Direction, IntervalReading, ServiceAddress
from gridlink.connectors.smart_meter_texas import (
    SMT_INFO,
    SmartMeterTexasConnector,
    SmartMeterTexasLibrary,
    mapping,
)
from gridlink.connectors.smart_meter_texas.connector import library_ssl_context
from gridlink.connectors.testing import Scenario, check_metadata, check_scenario
from gridlink.kit.clock import ManualClock
from tests.connectors.https_site import HttpsSite
from tests.connectors.library_fakes import no_sockets  # noqa: F401 - autouse
from tests.connectors.smt_site import (
    CHICAGO,
    HOME,
    INTERVALS,
    PASSWORD,
    SOLAR,
    USERNAME,
    SmtSite,
    TruthRead,
    connector_for,
    day_entries,
    local_midnight,
    smt_context,
    truth,
    truth_between,
)

NOW = datetime(2026, 3, 20, 17, 30, tzinfo=UTC)
LAST_DAY = date(2026, 3, 19)  # SMT publishes a day's reads the next day
UTILITY = "smart_meter_texas"


def _site(clock: ManualClock, **options: object) -> SmtSite:
    return SmtSite(clock, first_day=date(2024, 3, 1), last_day=LAST_DAY, **options)  # type: ignore[arg-type]


def _seen(readings: list[IntervalReading]) -> list[tuple[datetime, Direction, str]]:
    return [(r.start, r.direction, str(r.value)) for r in readings]


def _expected(reads: list[TruthRead]) -> list[tuple[datetime, Direction, str]]:
    return sorted((r.begins, r.direction, str(r.value)) for r in reads)


def test_metadata_is_one_texas_entry() -> None:
    check_metadata(SmartMeterTexasConnector)
    (utility,) = SMT_INFO.utilities
    assert (utility.name, utility.states, utility.commodities) == (
        "Smart Meter Texas (ERCOT)",
        ("TX",),
        (Commodity.ELECTRIC,),
    )


async def test_conformance_reads_equal_the_truth_and_no_statements() -> None:
    clock = ManualClock(NOW)
    smt = _site(clock)
    async with smt.install(HttpsSite()) as site:
        connector, sessions = connector_for(site)
        scenario = Scenario("two premises", UTILITY, USERNAME, PASSWORD, expect_data=False)
        report = await check_scenario(connector, scenario, smt_context(clock))
    assert [a.number for a in report.accounts] == [HOME, SOLAR]
    assert [
        (m.number, m.native_id, m.meter_number, m.service_id, m.time_zone) for m in report.meters
    ] == [
        (HOME, "113999001", "113999001", HOME, "America/Chicago"),
        (SOLAR, "128000777", "128000777", SOLAR, "America/Chicago"),
    ]
    assert [a.service_address for a in report.accounts] == [
        ServiceAddress("101 MAIN ST", "DALLAS", "TX", "75201"),
        ServiceAddress("7 SUNNY LN", "HOUSTON", "TX", "77002"),
    ]
    assert report.statements == {HOME: [], SOLAR: []}  # SMT has no bills
    # The kit asks for the 3 days before the hour; SMT has nothing after 2026-03-19.
    end = NOW.replace(minute=0)
    start, published = end - timedelta(days=3), local_midnight(LAST_DAY + timedelta(days=1))
    for esiid in (HOME, SOLAR):
        expected = _expected(truth_between(esiid, start, published))
        assert _seen(report.readings[esiid]) == expected
    assert {r.direction for r in report.readings[SOLAR]} == {
        Direction.DELIVERED,
        Direction.RECEIVED,
    }
    assert sessions.all_closed
    assert len(smt.logins) == 1


async def test_the_librarys_own_tls_context_is_the_default_and_refuses_the_test_ca() -> None:
    """Production keeps the library's TLS context; only tests swap in the test CA's."""
    context = library_ssl_context()
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, True)
    assert context.minimum_version >= ssl.TLSVersion.TLSv1_2
    assert SmartMeterTexasConnector.library.ssl_context is library_ssl_context
    clock = ManualClock(NOW)
    async with _site(clock).install(HttpsSite()) as site:
        sessions = site.session_factory()
        library = SmartMeterTexasLibrary(session=sessions)  # the default TLS context
        scenario = Scenario("untrusted", UTILITY, USERNAME, PASSWORD, raises=TemporarilyUnavailable)
        report = await check_scenario(
            SmartMeterTexasConnector.with_library(library), scenario, smt_context(clock)
        )
        assert site.requests == []  # the handshake failed: nothing reached the site
    assert isinstance(report.error.__cause__, aiohttp.ClientConnectorCertificateError)
    assert sessions.all_closed


async def test_wrong_password_is_invalid_credentials_after_one_sign_in() -> None:
    clock = ManualClock(NOW)
    smt = _site(clock)
    async with smt.install(HttpsSite()) as site:
        connector, sessions = connector_for(site)
        scenario = Scenario("wrong", UTILITY, USERNAME, "nope-nope", raises=InvalidCredentials)
        await check_scenario(connector, scenario, smt_context(clock))
        assert site.count() == 1
    assert sessions.all_closed


async def test_consecutive_windows_from_utc_midnight_equal_the_truth_across_both_dst_changes() -> (
    None
):
    """31-day windows from UTC midnight, as the sync cuts a backfill, over 2025-10-01 →
    now: CDT → CST on 2025-11-02, CST → CDT on 2026-03-08. Every quarter hour arrives once,
    with the meter's value, and each Central-time day is asked once per meter."""
    clock = ManualClock(NOW)
    smt = _site(clock)
    first = datetime(2025, 10, 1, tzinfo=UTC)
    async with smt.install(HttpsSite()) as site:
        connector, _ = connector_for(site)
        session = await connector(UTILITY, smt_context(clock)).login(
            Credentials(USERNAME, PASSWORD)
        )
        async with session:
            meters = [
                m for a in await session.fetch_accounts() for m in await session.fetch_meters(a)
            ]
            found: dict[str, list[IntervalReading]] = {m.number: [] for m in meters}
            start = first
            while start < NOW:
                end = min(start + timedelta(days=31), NOW)
                for meter in meters:
                    found[meter.number] += await session.fetch_intervals(meter, start, end)
                start = end
    published = local_midnight(LAST_DAY + timedelta(days=1))
    for esiid, readings in found.items():
        assert _seen(readings) == _expected(truth_between(esiid, first, published))
    assert len(smt.days_asked) == len(set(smt.days_asked))
    local_days = (LAST_DAY - date(2025, 9, 30)).days + 2  # 09-30 (the first evening) → 03-20
    assert len(smt.days_asked) == 2 * local_days


@pytest.mark.parametrize(
    ("day", "count"),
    [(date(2025, 11, 2), 100), (date(2026, 3, 8), 92), (date(2026, 3, 9), 96)],
)
async def test_dst_days_have_the_right_number_of_distinct_quarter_hours(
    day: date, count: int
) -> None:
    clock = ManualClock(NOW)
    async with _site(clock).install(HttpsSite()) as site:
        connector, sessions = connector_for(site)
        session = await connector(UTILITY, smt_context(clock)).login(
            Credentials(USERNAME, PASSWORD)
        )
        async with session:
            (account, _) = await session.fetch_accounts()
            (meter,) = await session.fetch_meters(account)
            start, end = local_midnight(day), local_midnight(day + timedelta(days=1))
            readings = await session.fetch_intervals(meter, start, end)
        assert site.count(path=INTERVALS) == 1
    starts = [r.start for r in readings]
    assert len(readings) == count
    assert starts == sorted(set(starts))
    assert (starts[0], starts[-1] + timedelta(minutes=15)) == (start, end)
    assert {(r.unit, r.duration) for r in readings} == {("kWh", timedelta(minutes=15))}
    assert readings[0].value == truth(HOME, start)[0].value  # SMT's printed digits, exactly
    expected_quality = {(r.begins, r.quality) for r in truth_between(HOME, start, end)}
    assert {(r.start, r.quality) for r in readings} == expected_quality  # "-A" / "-E" kept
    assert sessions.all_closed


@pytest.mark.parametrize("day", [date(2025, 11, 2), date(2026, 3, 8), date(2026, 1, 14)])
def test_each_read_keeps_smts_actual_or_estimated_flag(day: date) -> None:
    """The flag after each read in ``RD`` ("-A" / "-E"), read beside the library's times."""
    answer = {"data": {"energyData": day_entries(SOLAR, day)}}
    reads = mapping.reads(mapping.energy_entries(answer))
    expected = truth_between(SOLAR, local_midnight(day), local_midnight(day + timedelta(days=1)))
    assert sorted((r.begins, r.direction, r.value, r.quality) for r in reads) == sorted(
        (r.begins, r.direction, r.value, r.quality) for r in expected
    )
    assert {r.quality for r in reads} == {"actual", "estimated"}


@pytest.mark.parametrize(
    "text", ["101 MAIN ST DALLAS TX 75201", "PO BOX 4, DALLAS", "", None, "1 A ST, X TX 7520"]
)
def test_an_address_of_another_shape_stays_unknown(text: object) -> None:
    assert mapping.address(text) is None


def test_quality_words() -> None:
    assert [mapping.quality(r) for r in ("0.123-A", "0.123-E", "1.5-e", "0.2", "-A", "")] == [
        "actual",
        "estimated",
        "estimated",
        None,
        None,
        None,
    ]


async def test_history_ends_where_smt_keeps_it_and_the_newest_day_is_yesterday() -> None:
    clock = ManualClock(NOW)
    smt = _site(clock)
    async with smt.install(HttpsSite()) as site:
        connector, _ = connector_for(site)
        session = await connector(UTILITY, smt_context(clock)).login(
            Credentials(USERNAME, PASSWORD)
        )
        async with session:
            (account, _) = await session.fetch_accounts()
            (meter,) = await session.fetch_meters(account)
            old = await session.fetch_intervals(
                meter, datetime(2024, 2, 20, tzinfo=UTC), datetime(2024, 3, 5, tzinfo=UTC)
            )
            new = await session.fetch_intervals(
                meter, NOW - timedelta(days=2), NOW + timedelta(days=5)
            )
    assert min(r.start for r in old) == local_midnight(date(2024, 3, 1))
    assert max(r.start for r in new).astimezone(CHICAGO).date() == LAST_DAY
    # Days after today (Central time) are never asked.
    assert max(day for _, day in smt.days_asked) == NOW.astimezone(CHICAGO).date()
