"""The conformance kit: the one suite every connector's tests run.

A connector's test module declares its scenarios and gets a pytest class::

    from gridlink.connectors.testing import Scenario, conformance_suite

    SCENARIOS = [
        Scenario("good", "acme_power", "alice", "right-password"),
        Scenario("mfa", "acme_power", "bob", "pw", mfa_method=MfaMethod.SMS, mfa_code="123456"),
        Scenario("bad password", "acme_power", "alice", "wrong", raises=InvalidCredentials),
    ]
    TestAcmeConformance = conformance_suite(AcmeConnector, SCENARIOS, make_context=fake_site)

It checks the metadata, logs in (driving MFA when the scenario says so, then logging in
again with the session token), fetches everything and checks every object is well-formed,
that only :mod:`gridlink.connectors.errors` errors escape, and that no password, code or
session token (nor authenticator key) shows in the repr() or str() of anything returned or
raised. Then what users care about in interval data (:mod:`gridlink.connectors._windows`):
around each of the last two DST changes of the meter's zone, consecutive windows starting at
UTC midnight and at local midnight return exactly what one window over the span returns — no
reading lost or doubled at a boundary — and reading an overlapping window again returns the
same readings.
``check_scenario`` is the same check as a coroutine, returning what it saw.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import TypeVar

from gridlink.connectors import _checks, _windows
from gridlink.connectors.base import (
    Connector,
    ConnectorContext,
    ConnectorSession,
    Credentials,
    MfaChallenge,
    SessionToken,
)
from gridlink.connectors.errors import ConnectorError, MfaCodeInvalid, MfaRequired
from gridlink.connectors.metadata import MfaMethod
from gridlink.connectors.models import Account, IntervalReading, Meter, Statement

T = TypeVar("T")


class ConformanceError(AssertionError):
    """The connector broke the contract; the message lists every problem found."""


@dataclass(frozen=True)
class Scenario:
    name: str
    utility_id: str
    username: str
    password: str = field(repr=False)
    raises: type[ConnectorError] | None = None  # None: the login must succeed
    totp_secret: str | None = field(default=None, repr=False)  # password_totp utilities
    mfa_method: MfaMethod | None = None  # MFA expected; receive the code this way
    mfa_code: str | None = field(default=None, repr=False)
    wrong_mfa_code: str | None = field(default=None, repr=False)  # tried first
    secrets: tuple[str, ...] = field(default=(), repr=False)  # more strings that must not show
    expect_data: bool = True  # at least one account, meter, statement and reading
    check_windows: bool = True  # the window checks around DST changes (needs interval history)
    interval_days: int = 3
    statement_days: int = 400


@dataclass
class ScenarioReport:
    """What the kit saw, for connector-specific assertions after the generic ones."""

    error: ConnectorError | None = None
    challenge: MfaChallenge | None = None
    session_token: SessionToken | None = None
    accounts: list[Account] = field(default_factory=list)
    meters: list[Meter] = field(default_factory=list)
    statements: dict[str, list[Statement]] = field(default_factory=dict)  # by meter number
    readings: dict[str, list[IntervalReading]] = field(default_factory=dict)


def check_metadata(connector: type[Connector]) -> None:
    info = getattr(connector, "info", None)
    if info is None:
        raise ConformanceError(f"{connector.__name__} declares no `info`")
    _fail_if(info.problems())


async def check_scenario(
    connector: type[Connector], scenario: Scenario, context: ConnectorContext
) -> ScenarioReport:
    report = ScenarioReport()
    optional = (scenario.mfa_code, scenario.wrong_mfa_code, scenario.totp_secret)
    secrets = [scenario.password, *(c for c in optional if c)]
    secrets += scenario.secrets
    seen: list[object] = []
    instance = connector(scenario.utility_id, context)
    credentials = Credentials(scenario.username, scenario.password, scenario.totp_secret)
    try:
        session = await _login(instance, credentials, scenario, report, seen)
    except ConnectorError as error:
        report.error = error
        seen.append(error)
        problems = _checks.error_problems(error)
        if scenario.raises is None or not isinstance(error, scenario.raises):
            expected = scenario.raises.__name__ if scenario.raises else "a successful login"
            problems.append(f"scenario {scenario.name!r}: expected {expected}, got {error!r}")
        if report.session_token is not None:
            secrets.append(report.session_token.value)
        _fail_if(problems + _checks.leaks(seen, secrets))
        return report
    if scenario.raises is not None:
        await session.close()
        raise ConformanceError(
            f"scenario {scenario.name!r}: expected {scenario.raises.__name__}, but logged in"
        )
    async with session:
        report.session_token = session.session_token or report.session_token
        problems = await _fetch_everything(instance, session, scenario, report, seen)
    if report.session_token is not None:
        secrets.append(report.session_token.value)
        problems += _token_problems(report.session_token, context.now())
    _fail_if(problems + _checks.leaks([*seen, session, report.session_token], secrets))
    return report


def conformance_suite(
    connector: type[Connector],
    scenarios: Sequence[Scenario],
    *,
    make_context: Callable[[Scenario], ConnectorContext],
) -> type:
    """A pytest class (assign it to a ``Test...`` name) running the kit on each scenario."""
    import pytest  # the kit is imported by test code only; keep pytest out of runtime imports

    class ConformanceSuite:
        def test_metadata(self) -> None:
            check_metadata(connector)

        @pytest.mark.parametrize("scenario", list(scenarios), ids=[s.name for s in scenarios])
        def test_scenario(self, scenario: Scenario) -> None:
            asyncio.run(check_scenario(connector, scenario, make_context(scenario)))

    ConformanceSuite.__name__ = ConformanceSuite.__qualname__ = (
        f"Test{connector.__name__}Conformance"
    )
    return ConformanceSuite


async def _login(
    connector: Connector,
    credentials: Credentials,
    scenario: Scenario,
    report: ScenarioReport,
    seen: list[object],
) -> ConnectorSession:
    try:
        session = _session(await _call("login", connector.login(credentials)))
    except MfaRequired as needed:
        if scenario.mfa_method is None and scenario.mfa_code is None:
            raise
        seen.append(needed)
        report.challenge = needed.challenge
        token = await _answer(connector, needed.challenge, scenario, seen)
        report.session_token = token
        try:
            return _session(await _call("login", connector.login(credentials, session_token=token)))
        except MfaRequired as again:
            raise ConformanceError(
                f"scenario {scenario.name!r}: the session token did not skip MFA"
            ) from again
    if scenario.mfa_method is not None or scenario.mfa_code is not None:
        await session.close()
        raise ConformanceError(
            f"scenario {scenario.name!r}: expected MFA, but logged in without it"
        )
    return session


async def _answer(
    connector: Connector, challenge: MfaChallenge, scenario: Scenario, seen: list[object]
) -> SessionToken:
    _fail_if(_challenge_problems(challenge))
    seen.append(challenge)
    if challenge.options:
        option = next((o for o in challenge.options if o.method == scenario.mfa_method), None)
        if option is None:
            raise ConformanceError(
                f"scenario {scenario.name!r}: no {scenario.mfa_method} option offered"
            )
        await _call("select_mfa_option", connector.select_mfa_option(challenge, option.id))
    if scenario.wrong_mfa_code is not None:
        try:
            await _call(
                "submit_mfa_code", connector.submit_mfa_code(challenge, scenario.wrong_mfa_code)
            )
        except MfaCodeInvalid as wrong:
            seen.append(wrong)
            if wrong.attempts_left is not None and wrong.attempts_left < 1:
                raise ConformanceError(
                    "MfaCodeInvalid with no attempts left: raise MfaChallengeClosed"
                ) from wrong
        else:
            raise ConformanceError(f"scenario {scenario.name!r}: a wrong MFA code was accepted")
    token = await _call(
        "submit_mfa_code", connector.submit_mfa_code(challenge, scenario.mfa_code or "")
    )
    if not isinstance(token, SessionToken):
        raise ConformanceError(f"submit_mfa_code returned {type(token).__name__}, not SessionToken")
    return token


async def _fetch_everything(
    connector: Connector,
    session: ConnectorSession,
    scenario: Scenario,
    report: ScenarioReport,
    seen: list[object],
) -> list[str]:
    problems: list[str] = []
    now = connector.context.now()
    report.accounts = list(await _call("fetch_accounts", session.fetch_accounts()))
    seen += report.accounts
    problems += [p for account in report.accounts for p in _checks.account_problems(account)]
    for account in report.accounts:
        meters = list(await _call("fetch_meters", session.fetch_meters(account)))
        problems += [
            p for meter in meters for p in _checks.meter_problems(meter, connector.utility)
        ]
        report.meters += meters
    seen += report.meters
    if problems:
        return problems
    since = (now - timedelta(days=scenario.statement_days)).date()
    end = now.replace(minute=0, second=0, microsecond=0)
    start = end - timedelta(days=scenario.interval_days)
    for meter in report.meters:
        problems += await _fetch_meter(session, meter, since, start, end, report, seen)
        readings = report.readings.get(meter.number)
        if scenario.check_windows and readings and not problems:
            problems += await _windows.window_problems(session, meter, end)
    if scenario.expect_data:
        problems += _data_missing(report)
    return problems


async def _fetch_meter(
    session: ConnectorSession,
    meter: Meter,
    since: date,
    start: datetime,
    end: datetime,
    report: ScenarioReport,
    seen: list[object],
) -> list[str]:
    statements = list(await _call("fetch_statements", session.fetch_statements(meter, since)))
    readings = list(await _call("fetch_intervals", session.fetch_intervals(meter, start, end)))
    report.statements[meter.number] = statements
    report.readings[meter.number] = readings
    seen += statements
    seen += readings[:50] + readings[-50:]
    problems = _checks.statement_problems(meter, statements, since)
    problems += _checks.reading_problems(meter, readings, start, end)
    for statement in statements[-1:]:
        if statement.pdf is not None:
            pdf = await _call("Statement.pdf", statement.pdf())
            if not (isinstance(pdf, bytes) and pdf.startswith(b"%PDF-")):
                problems.append(
                    f"meter {meter.number}: the statement PDF getter did not return PDF bytes"
                )
    return problems


def _data_missing(report: ScenarioReport) -> list[str]:
    wanted = {
        "accounts": report.accounts,
        "meters": report.meters,
        "statements": [s for found in report.statements.values() for s in found],
        "interval readings": [r for found in report.readings.values() for r in found],
    }
    return [
        f"no {name} returned (set expect_data=False if that is right)"
        for name, v in wanted.items()
        if not v
    ]


def _challenge_problems(challenge: object) -> list[str]:
    if not isinstance(challenge, MfaChallenge):
        return [f"MfaRequired.challenge is {type(challenge).__name__}, not MfaChallenge"]
    found = []
    ids = [option.id for option in challenge.options]
    if len(set(ids)) != len(ids):
        found.append("MFA option ids repeat")
    for option in challenge.options:
        if option.method not in tuple(MfaMethod):
            found.append(f"MFA option {option.id!r}: unknown method {option.method!r}")
        if "*" not in option.destination:
            found.append(f"MFA option {option.id!r}: destination must be masked with '*'")
    return found


def _token_problems(token: SessionToken, now: datetime) -> list[str]:
    if not isinstance(token, SessionToken) or not token.value:
        return ["the session token must be a SessionToken with a value"]
    expires = token.expires_at
    if expires is not None and (expires.utcoffset() is None or expires <= now):
        return ["the session token's expires_at must be timezone-aware and in the future"]
    return []


def _session(value: object) -> ConnectorSession:
    if not isinstance(value, ConnectorSession):
        raise ConformanceError(f"login returned {type(value).__name__}, not a ConnectorSession")
    return value


async def _call(what: str, pending: Awaitable[T]) -> T:
    """Await a connector call; anything but a ConnectorError escaping it is a bug."""
    try:
        return await pending
    except (ConnectorError, ConformanceError):
        raise
    except Exception as error:
        raise ConformanceError(
            f"{what} raised {type(error).__name__}: {error}; connectors raise only "
            "gridlink.connectors.errors errors"
        ) from error


def _fail_if(problems: list[str]) -> None:
    if problems:
        raise ConformanceError(
            "\n".join(["connector does not conform:", *(f"- {p}" for p in problems)])
        )


__all__ = [
    "ConformanceError",
    "Scenario",
    "ScenarioReport",
    "check_metadata",
    "check_scenario",
    "conformance_suite",
]
