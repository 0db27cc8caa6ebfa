"""Smart Meter Texas saying no, through the library's own code: throttling (403/429) as a
rate limit with its Retry-After, token refusals (401) bounded where the library alone would
retry without end, a site that never answers, outages and answers in a shape SMT never sent.
Every case ends with one of our errors and every HTTP session closed."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from aiohttp import web
from smart_meter_texas.const import API_DATE_ERROR, BASE_HOSTNAME

from gridlink.connectors.base import ConnectorSession, Credentials
from gridlink.connectors.errors import (
    ConnectorError,
    InvalidCredentials,
    TemporarilyUnavailable,
    UtilityTimeout,
)
from gridlink.connectors.models import Meter
from gridlink.connectors.smart_meter_texas import SmartMeterTexasConnector
from gridlink.connectors.smart_meter_texas.connector import SIGN_INS_AGAIN
from gridlink.connectors.smart_meter_texas.errors import Throttled, TokenRejected
from gridlink.connectors.testing import Scenario, check_scenario
from gridlink.kit.clock import ManualClock
from tests.connectors.hang import Hang
from tests.connectors.https_site import Fault, HttpsSite
from tests.connectors.library_fakes import no_sockets  # noqa: F401 - autouse
from tests.connectors.smt_site import (
    HOME,
    INTERVALS,
    LOGIN,
    METERS,
    PASSWORD,
    USERNAME,
    SmtSite,
    connector_for,
    local_midnight,
    smt_context,
    truth_between,
)

NOW = datetime(2026, 3, 20, 17, 30, tzinfo=UTC)
UTILITY = "smart_meter_texas"
TWO_DAYS = (local_midnight(date(2026, 3, 17)), local_midnight(date(2026, 3, 19)))


def _site(clock: ManualClock) -> SmtSite:
    return SmtSite(clock, first_day=date(2024, 3, 1), last_day=date(2026, 3, 19))


async def _home(
    connector: type[SmartMeterTexasConnector], clock: ManualClock
) -> tuple[ConnectorSession, Meter]:
    session = await connector(UTILITY, smt_context(clock)).login(Credentials(USERNAME, PASSWORD))
    accounts = await session.fetch_accounts()
    (meter,) = await session.fetch_meters(accounts[0])
    assert meter.number == HOME
    return session, meter


def _statuses(site: HttpsSite) -> list[tuple[str, int]]:
    return [(r.path, r.status) for r in site.requests]


# -- throttling ----------------------------------------------------------------------------


async def test_a_locked_out_sign_in_is_a_rate_limit_of_one_hour() -> None:
    clock = ManualClock(NOW)
    smt = _site(clock)
    smt.locked_out = True
    async with smt.install(HttpsSite()) as site:
        connector, sessions = connector_for(site)
        scenario = Scenario("locked", UTILITY, USERNAME, PASSWORD, raises=TemporarilyUnavailable)
        report = await check_scenario(connector, scenario, smt_context(clock))
        assert _statuses(site) == [(LOGIN, 403)]
    assert isinstance(report.error, Throttled)
    assert report.error.retry_after == timedelta(hours=1)
    assert sessions.all_closed


@pytest.mark.parametrize(
    ("status", "header", "wait"),
    [
        (403, None, timedelta(hours=1)),
        (403, "120", timedelta(seconds=120)),
        (429, "Fri, 20 Mar 2026 18:00:00 GMT", timedelta(minutes=30)),
    ],
)
async def test_throttled_data_requests_are_a_rate_limit_with_smts_retry_after(
    status: int, header: str | None, wait: timedelta
) -> None:
    clock = ManualClock(NOW)
    smt = _site(clock)
    async with smt.install(HttpsSite()) as site:
        connector, sessions = connector_for(site)
        session, meter = await _home(connector, clock)
        smt.per_minute_limit, smt.throttle_status, smt.retry_after = 0, status, header
        with pytest.raises(Throttled) as raised:
            async with session:
                await session.fetch_intervals(meter, *TWO_DAYS)
        assert _statuses(site)[-1] == (INTERVALS, status)
        assert site.count(path=INTERVALS) == 1  # no retry against a site that said stop
    # The pacer waited on the test clock before each request: compare with the header's date.
    if header is not None and not header.isdigit():
        assert raised.value.retry_after == datetime(2026, 3, 20, 18, tzinfo=UTC) - clock.now()
    else:
        assert raised.value.retry_after == wait
    assert raised.value.reaction == "retry_later"
    assert sessions.all_closed


# -- token refusals --------------------------------------------------------------------------


async def test_an_expired_token_signs_in_once_more_and_carries_on() -> None:
    clock = ManualClock(NOW)
    smt = _site(clock)
    async with smt.install(HttpsSite()) as site:
        connector, sessions = connector_for(site)
        session, meter = await _home(connector, clock)
        smt.expire_tokens()
        async with session:
            readings = await session.fetch_intervals(meter, *TWO_DAYS)
        assert _statuses(site) == [
            (LOGIN, 200),
            (METERS, 200),
            (INTERVALS, 401),
            (LOGIN, 200),
            (INTERVALS, 200),
            (INTERVALS, 200),
        ]
    expected = truth_between(HOME, *TWO_DAYS)
    assert [(r.start, r.value) for r in readings] == [(t.begins, t.value) for t in expected]
    assert sessions.all_closed


async def test_a_token_smt_keeps_refusing_ends_after_one_more_sign_in() -> None:
    """The library alone would send the request again and again without end (its retry has
    no stop and it never signs in again): here it is four requests, then a retry later."""
    clock = ManualClock(NOW)
    smt = _site(clock)
    smt.reject_tokens = True
    async with smt.install(HttpsSite()) as site:
        connector, sessions = connector_for(site)
        scenario = Scenario("refused", UTILITY, USERNAME, PASSWORD, expect_data=False)
        with pytest.raises(TokenRejected) as raised:
            await check_scenario(connector, scenario, smt_context(clock))
        assert _statuses(site) == [(LOGIN, 200), (METERS, 401), (LOGIN, 200), (METERS, 401)]
    assert isinstance(raised.value, TemporarilyUnavailable)
    assert sessions.all_closed


async def test_sign_ins_again_are_capped_per_session() -> None:
    """A site that takes each token for one request only: three more sign-ins, then stop."""
    clock = ManualClock(NOW)
    smt = _site(clock)
    smt.uses_per_token = 1
    async with smt.install(HttpsSite()) as site:
        connector, sessions = connector_for(site)
        session, meter = await _home(connector, clock)
        with pytest.raises(TokenRejected):
            async with session:
                await session.fetch_intervals(meter, TWO_DAYS[0], TWO_DAYS[0] + timedelta(days=9))
        assert len(smt.logins) == 1 + SIGN_INS_AGAIN
        assert site.count(path=INTERVALS) == 2 * SIGN_INS_AGAIN + 1
    assert sessions.all_closed


async def test_a_password_changed_since_sign_in_is_invalid_credentials() -> None:
    clock = ManualClock(NOW)
    smt = _site(clock)
    async with smt.install(HttpsSite()) as site:
        connector, sessions = connector_for(site)
        session, meter = await _home(connector, clock)
        smt.expire_tokens()
        smt.password = "changed-at-smt"
        with pytest.raises(InvalidCredentials):
            async with session:
                await session.fetch_intervals(meter, *TWO_DAYS)
        assert _statuses(site)[2:] == [(INTERVALS, 401), (LOGIN, 400)]
    assert sessions.all_closed


# -- no answer -------------------------------------------------------------------------------


@pytest.mark.parametrize("path", [LOGIN, METERS, INTERVALS])
async def test_a_site_that_never_answers_ends_as_utility_timeout(path: str) -> None:
    clock = ManualClock(NOW)
    smt, hang = _site(clock), Hang()
    async with smt.install(HttpsSite()) as site:
        site.route("POST", BASE_HOSTNAME, path, hang)
        connector, sessions = connector_for(site, call_timeout=timedelta(seconds=0.3))
        scenario = Scenario("silent", UTILITY, USERNAME, PASSWORD, expect_data=False)
        with hang.held():
            if path == LOGIN:
                scenario = Scenario("silent", UTILITY, USERNAME, PASSWORD, raises=UtilityTimeout)
                await check_scenario(connector, scenario, smt_context(clock))
            else:
                with pytest.raises(UtilityTimeout):
                    await check_scenario(connector, scenario, smt_context(clock))
        assert hang.entered == 1
    assert sessions.all_closed


# -- outages and strange answers -----------------------------------------------------------


async def test_a_5xx_is_unavailable_even_when_its_body_reads_like_no_data() -> None:
    """The library would read this body and find "no reads for that day": a silent hole."""
    clock = ManualClock(NOW)
    smt = _site(clock)

    async def outage(request: web.Request) -> web.Response:
        body = {"data": {"errorMessage": API_DATE_ERROR}}
        return web.json_response(body, status=503, headers={"Retry-After": "300"})

    async with smt.install(HttpsSite()) as site:
        site.route("POST", BASE_HOSTNAME, INTERVALS, outage)
        connector, sessions = connector_for(site)
        session, meter = await _home(connector, clock)
        with pytest.raises(TemporarilyUnavailable) as raised:
            async with session:
                await session.fetch_intervals(meter, *TWO_DAYS)
    assert raised.value.retry_after == timedelta(minutes=5)
    assert sessions.all_closed


JSON = "application/json"
STRANGE = {
    "login 500": (LOGIN, Fault(500, "<html>Service Unavailable</html>")),
    "login without a token": (LOGIN, Fault(200, '{"status": "ok"}', content_type=JSON)),
    "meters 502": (METERS, Fault(502, "<html>Bad Gateway</html>")),
    "meters without esiid": (METERS, Fault(200, '{"data": [{"esi": "1"}]}', content_type=JSON)),
    "intervals as a web page": (INTERVALS, Fault(200, "<html>Down for maintenance</html>")),
    "intervals data not an object": (INTERVALS, Fault(200, '{"data": "x"}', content_type=JSON)),
    "intervals another error": (
        INTERVALS,
        Fault(200, '{"data": {"errorMessage": "Request failed"}}', content_type=JSON),
    ),
    "intervals entry without RD": (
        INTERVALS,
        Fault(
            200, '{"data": {"energyData": [{"DT": "03/17/2026", "RT": "C"}]}}', content_type=JSON
        ),
    ),
    "intervals read not a number": (
        INTERVALS,
        Fault(
            200,
            '{"data": {"energyData": [{"DT": "03/17/2026", "RT": "C", "RD": "0.2-A,x-A"}]}}',
            content_type=JSON,
        ),
    ),
    "intervals day not a date": (
        INTERVALS,
        Fault(
            200,
            '{"data": {"energyData": [{"DT": "2026-03-17", "RT": "C", "RD": "0.2-A"}]}}',
            content_type=JSON,
        ),
    ),
}


@pytest.mark.parametrize("case", list(STRANGE), ids=list(STRANGE))
async def test_outages_and_strange_answers_are_temporarily_unavailable(case: str) -> None:
    path, fault = STRANGE[case]
    clock = ManualClock(NOW)
    smt = _site(clock)
    async with smt.install(HttpsSite()) as site:
        fault.times = None
        site.fail("POST", BASE_HOSTNAME, path, fault)
        connector, sessions = connector_for(site)
        error: ConnectorError
        if path == LOGIN:
            scenario = Scenario(case, UTILITY, USERNAME, PASSWORD, raises=TemporarilyUnavailable)
            report = await check_scenario(connector, scenario, smt_context(clock))
            assert report.error is not None
            error = report.error
        else:
            scenario = Scenario(case, UTILITY, USERNAME, PASSWORD, expect_data=False)
            with pytest.raises(TemporarilyUnavailable) as raised:
                await check_scenario(connector, scenario, smt_context(clock))
            error = raised.value
        assert site.count(path=path) == 1  # one answer was enough to stop
    assert type(error) is TemporarilyUnavailable
    assert sessions.all_closed
