"""Pacing: the Pacer's two limits on a test clock, and Smart Meter Texas asked at the pace its
connector declares, against a fake SMT that refuses (403) more than that in a minute. The
24-month backfill of one ESI ID prints its request count and wall time on the test clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from itertools import pairwise

import pytest

from gridlink.connectors.base import Credentials
from gridlink.connectors.models import IntervalReading
from gridlink.connectors.pacing import Pacer, SessionPace
from gridlink.connectors.smart_meter_texas import SmartMeterTexasConnector
from gridlink.connectors.smart_meter_texas.connector import SMT_PACE
from gridlink.connectors.smart_meter_texas.errors import Throttled
from gridlink.kit.clock import ManualClock
from tests.connectors.https_site import HttpsSite
from tests.connectors.library_fakes import no_sockets  # noqa: F401 - autouse
from tests.connectors.smt_site import (
    CHICAGO,
    HOME,
    PASSWORD,
    USERNAME,
    ClockSleep,
    SmtSite,
    connector_for,
    local_midnight,
    smt_context,
    truth_between,
)

NOW = datetime(2026, 3, 20, 17, 30, tzinfo=UTC)
LAST_DAY = date(2026, 3, 19)
UTILITY = "smart_meter_texas"


def _gaps(times: list[datetime]) -> list[timedelta]:
    return [later - earlier for earlier, later in pairwise(times)]


def _most_in_a_minute(times: list[datetime]) -> int:
    return max(
        sum(1 for t in times if start <= t < start + timedelta(minutes=1)) for start in times
    )


async def test_the_pacer_keeps_its_spacing_and_its_cap_per_minute() -> None:
    clock = ManualClock(NOW)
    sleep = ClockSleep(clock)
    pacer, sent = Pacer(SessionPace(timedelta(seconds=2), per_minute=5), clock, sleep), []
    for _ in range(12):
        await pacer.wait()
        sent.append(clock.now())
    seconds = [(t - NOW).total_seconds() for t in sent]
    assert seconds == [0, 2, 4, 6, 8, 60, 62, 64, 66, 68, 120, 122]
    assert sleep.calls == [2, 2, 2, 2, 52, 2, 2, 2, 2, 52, 2]


async def test_the_pacer_does_not_wait_when_time_has_passed() -> None:
    clock = ManualClock(NOW)
    sleep = ClockSleep(clock)
    pacer = Pacer(SessionPace(timedelta(seconds=2), per_minute=2), clock, sleep)
    for _ in range(3):
        await pacer.wait()
        clock.advance(timedelta(seconds=45))
    assert sleep.calls == []


def test_a_pace_needs_sensible_limits() -> None:
    with pytest.raises(ValueError, match="pace"):
        SessionPace(timedelta(seconds=1), per_minute=0)


async def _backfill(
    connector: type[SmartMeterTexasConnector], clock: ManualClock, since: datetime
) -> list[IntervalReading]:
    """One login, then 31-day windows from UTC midnight up to now, as the sync runs it."""
    session = await connector(UTILITY, smt_context(clock)).login(Credentials(USERNAME, PASSWORD))
    readings: list[IntervalReading] = []
    async with session:
        (account, _) = await session.fetch_accounts()
        (meter,) = await session.fetch_meters(account)
        start = since
        while start < NOW:
            end = min(start + timedelta(days=31), NOW)
            readings += await session.fetch_intervals(meter, start, end)
            start = end
    return readings


def _expected_wall_time(requests: int, pace: SessionPace) -> timedelta:
    """When the last of ``requests`` goes at this pace: full minutes for each full cap, the
    spacing within the last one."""
    minutes, within = divmod(requests - 1, pace.per_minute)
    return minutes * timedelta(minutes=1) + within * pace.spacing


async def test_a_24_month_backfill_of_one_esi_id_keeps_the_pace_and_equals_the_truth() -> None:
    clock = ManualClock(NOW)
    since = datetime(2024, 3, 20, tzinfo=UTC)
    smt = SmtSite(clock, first_day=date(2024, 3, 1), last_day=LAST_DAY)
    smt.per_minute_limit = SMT_PACE.per_minute  # SMT refuses anything faster
    async with smt.install(HttpsSite()) as site:
        connector, sessions = connector_for(site)
        readings = await _backfill(connector, clock, since)
        requests = len(site.requests)
        statuses = {r.status for r in site.requests}
    wall = clock.now() - NOW
    expected = truth_between(HOME, since, local_midnight(LAST_DAY + timedelta(days=1)))
    assert [(r.start, r.direction, r.value) for r in readings] == [
        (t.begins, t.direction, t.value) for t in expected
    ]
    # 2024-03-19 (the first evening, Central time) to today, 2026-03-20, each asked once.
    local_days = (NOW.astimezone(CHICAGO).date() - date(2024, 3, 19)).days + 1
    assert requests == 2 + local_days  # and the sign-in and the meter list
    assert statuses == {200}  # never throttled
    times = smt.logins + smt.api_times
    assert min(_gaps(times)) >= SMT_PACE.spacing
    assert _most_in_a_minute(times) <= SMT_PACE.per_minute
    assert wall == _expected_wall_time(requests, SMT_PACE)
    assert sessions.all_closed
    print(
        f"\nSMT 24-month backfill, one ESI ID: {requests} requests, {len(readings)} readings "
        f"(expected {len(expected)}), wall time on the test clock {wall} "
        f"(pace: {SMT_PACE.spacing.total_seconds():.0f} s apart, {SMT_PACE.per_minute}/min)"
    )


async def test_every_request_awaits_the_request_budget_of_the_context() -> None:
    """The engine's shared budget (ConnectorContext.pace) runs before each request SMT gets,
    the sign-in included, on top of the connector's own pace."""
    clock = ManualClock(NOW)
    paced: list[datetime] = []

    async def budget() -> None:
        paced.append(clock.now())

    smt = SmtSite(clock, first_day=date(2026, 3, 1), last_day=LAST_DAY)
    async with smt.install(HttpsSite()) as site:
        connector, _ = connector_for(site)
        instance = connector(UTILITY, smt_context(clock).paced_by(budget))
        session = await instance.login(Credentials(USERNAME, PASSWORD))
        async with session:
            meters = [
                m for a in await session.fetch_accounts() for m in await session.fetch_meters(a)
            ]
            [meter] = [m for m in meters if m.number == HOME]
            start = local_midnight(date(2026, 3, 17))
            await session.fetch_intervals(meter, start, start + timedelta(days=2))
        requests = len(site.requests)
    assert requests >= 4  # sign-in, meters, two days
    assert len(paced) == requests


async def test_without_the_pace_the_same_backfill_is_throttled() -> None:
    """The fake's limit is real: asked faster, SMT answers 403 and the run stops."""
    clock = ManualClock(NOW)
    smt = SmtSite(clock, first_day=date(2024, 3, 1), last_day=LAST_DAY)
    smt.per_minute_limit = SMT_PACE.per_minute
    async with smt.install(HttpsSite()) as site:
        connector, sessions = connector_for(site)
        hasty = type("Hasty", (connector,), {"pace": SessionPace(timedelta(0), per_minute=1000)})
        with pytest.raises(Throttled):
            await _backfill(hasty, clock, datetime(2026, 1, 1, tzinfo=UTC))
        # The sign-in, then API requests until one more than SMT allows in a minute.
        assert site.count() == 1 + SMT_PACE.per_minute + 1
    assert sessions.all_closed
