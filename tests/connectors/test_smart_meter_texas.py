"""The Smart Meter Texas connector over a fake of the library's Client: conformance, DST
days in SMT's 100-slot format, surplus generation, error mapping, session closing."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from smart_meter_texas.const import METER_ENDPOINT
from smart_meter_texas.exceptions import (
    SmartMeterTexasAPIError,
    SmartMeterTexasRateLimitError,
    SmartMeterTexasTimeoutError,
)

from gridlink.connectors.base import ConnectorContext, Credentials
from gridlink.connectors.errors import (
    ConnectorError,
    InvalidCredentials,
    TemporarilyUnavailable,
    UtilityTimeout,
)
from gridlink.connectors.models import Commodity, Direction
from gridlink.connectors.smart_meter_texas import SMT_INFO, SmartMeterTexasConnector
from gridlink.connectors.testing import Scenario, check_metadata, check_scenario
from gridlink.kit.clock import ManualClock
from tests.connectors.library_fakes import Sessions, no_sockets  # noqa: F401 - autouse
from tests.connectors.smt_fakes import HOME, PASSWORD, SOLAR, SmtSite, connector_for

NOW = datetime(2026, 3, 20, 17, 30, tzinfo=UTC)
CHICAGO = ZoneInfo("America/Chicago")
UTILITY = "smart_meter_texas"


def _context() -> ConnectorContext:
    return ConnectorContext(clock=ManualClock(NOW))


def test_metadata_is_one_texas_entry() -> None:
    check_metadata(SmartMeterTexasConnector)
    (utility,) = SMT_INFO.utilities
    assert (utility.name, utility.states, utility.commodities) == (
        "Smart Meter Texas (ERCOT)",
        ("TX",),
        (Commodity.ELECTRIC,),
    )


async def test_conformance_with_reads_and_no_statements() -> None:
    site, sessions = SmtSite(last_day=date(2026, 3, 19)), Sessions()
    scenario = Scenario("two premises", UTILITY, "tex", PASSWORD, expect_data=False)
    report = await check_scenario(connector_for(site, sessions), scenario, _context())
    assert [a.number for a in report.accounts] == [HOME, SOLAR]
    assert [(m.number, m.native_id) for m in report.meters] == [
        (HOME, "113999001"),
        (SOLAR, "128000777"),
    ]
    assert report.statements == {HOME: [], SOLAR: []}  # SMT has no bills
    home, solar = report.readings[HOME], report.readings[SOLAR]
    assert home
    assert {r.direction for r in home} == {Direction.DELIVERED}
    assert {r.direction for r in solar} == {Direction.DELIVERED, Direction.RECEIVED}
    # Reads end with the last day SMT has: nothing is invented for 2026-03-20.
    assert max(r.start for r in home).astimezone(CHICAGO).date() == date(2026, 3, 19)
    assert sessions.all_closed


@pytest.mark.parametrize(
    ("day", "count"), [(date(2025, 11, 2), 100), (date(2026, 3, 8), 92), (date(2026, 3, 9), 96)]
)
async def test_dst_days_have_the_right_number_of_distinct_quarter_hours(
    day: date, count: int
) -> None:
    site, sessions = SmtSite(last_day=date(2026, 3, 19)), Sessions()
    session = await connector_for(site, sessions)(UTILITY, _context()).login(
        Credentials("tex", PASSWORD)
    )
    async with session:
        (account, _) = await session.fetch_accounts()
        (meter,) = await session.fetch_meters(account)
        start = datetime.combine(day, datetime.min.time(), CHICAGO).astimezone(UTC)
        end = datetime.combine(day + timedelta(days=1), datetime.min.time(), CHICAGO)
        readings = await session.fetch_intervals(meter, start, end.astimezone(UTC))
    assert len(readings) == count
    starts = [r.start for r in readings]
    assert starts == sorted(set(starts))
    assert starts[0] == start
    assert starts[-1] == end.astimezone(UTC) - timedelta(minutes=15)
    assert {(r.unit, r.duration) for r in readings} == {("kWh", timedelta(minutes=15))}
    assert readings[0].value == Decimal("0.200")  # the library's string, exactly
    assert sessions.all_closed


@pytest.mark.parametrize(
    ("error", "expected"),
    [
        (SmartMeterTexasRateLimitError("Reached ratelimit"), TemporarilyUnavailable),
        (SmartMeterTexasAPIError("API returned unknown login json"), TemporarilyUnavailable),
        (SmartMeterTexasTimeoutError("did not complete"), UtilityTimeout),
        (aiohttp.ClientConnectionError(), TemporarilyUnavailable),
        (TimeoutError(), UtilityTimeout),
    ],
)
async def test_login_errors(error: Exception, expected: type[ConnectorError]) -> None:
    site, sessions = SmtSite(last_day=date(2026, 3, 19), down=error), Sessions()
    scenario = Scenario("failing", UTILITY, "tex", PASSWORD, raises=expected)
    report = await check_scenario(connector_for(site, sessions), scenario, _context())
    if isinstance(error, SmartMeterTexasRateLimitError):
        assert isinstance(report.error, TemporarilyUnavailable)
        assert report.error.retry_after == timedelta(hours=1)
    assert sessions.all_closed


async def test_wrong_password() -> None:
    site, sessions = SmtSite(last_day=date(2026, 3, 19)), Sessions()
    scenario = Scenario("wrong", UTILITY, "tex", "nope-nope", raises=InvalidCredentials)
    await check_scenario(connector_for(site, sessions), scenario, _context())
    assert sessions.all_closed


async def test_a_failure_while_fetching_maps_and_still_closes() -> None:
    site = SmtSite(last_day=date(2026, 3, 19), down=KeyError("data"), fail_on=METER_ENDPOINT)
    sessions = Sessions()
    session = await connector_for(site, sessions)(UTILITY, _context()).login(
        Credentials("tex", PASSWORD)
    )
    with pytest.raises(TemporarilyUnavailable):
        async with session:
            await session.fetch_accounts()
    assert sessions.all_closed
