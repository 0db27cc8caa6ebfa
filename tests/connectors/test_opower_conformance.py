"""The conformance kit on the opower connector, driving the real ``opower`` library against
the fake utility sites (tests/connectors/opower_site): every scenario signs in over HTTPS,
through MFA where the utility asks, fetches everything and checks it, and the values are
then compared with what the fake meters measured."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from gridlink.connectors.base import ConnectorContext
from gridlink.connectors.errors import (
    InvalidCredentials,
    TemporarilyUnavailable,
    UtilityTimeout,
)
from gridlink.connectors.metadata import MfaMethod
from gridlink.connectors.models import Direction
from gridlink.connectors.opower import OpowerConnector
from gridlink.connectors.testing import Scenario, ScenarioReport, check_metadata, check_scenario
from gridlink.kit.clock import ManualClock
from tests.connectors.https_site import Fault
from tests.connectors.library_fakes import no_sockets  # noqa: F401 - autouse
from tests.connectors.opower_site import (
    AEP_OHIO,
    COA,
    COMED,
    CONED,
    PASSWORD,
    PGE,
    SECRET_MARKS,
    TOTP_SECRET,
    OpowerSite,
    aep_site,
    coa_site,
    comed_site,
    coned_site,
    pge_site,
)

NOW = datetime(2026, 3, 20, 17, 30, tzinfo=UTC)
CODE = "482913"
AURA = ("POST", "myaccount.pge.com", "/myaccount/s/sfsites/aura")


@dataclass(frozen=True)
class Case:
    scenario: Scenario
    site: Callable[[], OpowerSite]
    totp_secret: str | None = None
    timeout: float = 20
    fault: Fault | None = None  # on PG&E's sign-in action, before the login
    checks: tuple[Callable[[OpowerSite, ScenarioReport], None], ...] = field(default=())


def _scenario(name: str, utility: str, username: str, **options: object) -> Scenario:
    secrets = (*SECRET_MARKS, TOTP_SECRET)
    return Scenario(name, utility, username, PASSWORD, secrets=secrets, **options)  # type: ignore[arg-type]


def _values_are_the_truth(site: OpowerSite, report: ScenarioReport) -> None:
    """Every reading the kit fetched is what the meter measured, and nothing is missing."""
    end = NOW.replace(minute=0, second=0, microsecond=0)
    for number, readings in report.readings.items():
        assert readings == site.expected(number, end - timedelta(days=3), end), number


def _both_directions(site: OpowerSite, report: ScenarioReport) -> None:
    electric = report.readings["pge-elec-7c1e"]
    assert {r.direction for r in electric} == {Direction.DELIVERED, Direction.RECEIVED}
    assert {r.direction for r in report.readings["pge-gas-91b0"]} == {Direction.DELIVERED}


def _bill_reads_give_the_billed_amounts(site: OpowerSite, report: ScenarioReport) -> None:
    """Without completed bills, statements come from bill-aggregated cost reads."""
    for number, statements in report.statements.items():
        bills = {(b.start, b.end): b for b in site.api.truth(number).bills}
        assert [(s.period_start, s.period_end) for s in statements] == list(bills)
        for statement in statements:
            bill = bills[statement.period_start, statement.period_end]
            # The period's charges, not what is due (opower gives no balance): null there.
            assert statement.new_charges == Decimal(str(bill.current_amount))
            assert statement.amount_due is None
            assert statement.usage == Decimal(str(bill.usage))
            assert statement.statement_date is None


def _completed_bills_give_the_segments(site: OpowerSite, report: ScenarioReport) -> None:
    for number, statements in report.statements.items():
        bills = {(b.start, b.end): b for b in site.api.truth(number).bills}
        assert [(s.period_start, s.period_end) for s in statements] == list(bills)
        for statement in statements:
            bill = bills[statement.period_start, statement.period_end]
            assert statement.new_charges == Decimal(str(bill.current_amount))
            assert statement.amount_due is None
            assert statement.statement_date == bill.bill_date


def _bills_only(site: OpowerSite, report: ScenarioReport) -> None:
    assert all(r == [] for r in report.readings.values())
    assert all(report.statements.values())


CASES = [
    Case(
        _scenario(
            "pge mfa by email",
            PGE,
            "pat@example.com",
            mfa_method=MfaMethod.EMAIL,
            mfa_code=CODE,
            wrong_mfa_code="975310",
        ),
        lambda: pge_site(NOW, code=CODE),
        checks=(_values_are_the_truth, _completed_bills_give_the_segments),
    ),
    Case(
        _scenario(
            "pge mfa by text",
            PGE,
            "pat@example.com",
            mfa_method=MfaMethod.SMS,
            mfa_code=CODE,
        ),
        lambda: pge_site(NOW, code=CODE),
        checks=(_values_are_the_truth,),
    ),
    Case(
        _scenario("pge solar and gas", PGE, "pat@example.com"),
        lambda: pge_site(NOW, mfa=False, solar=True),
        checks=(_values_are_the_truth, _both_directions),
    ),
    Case(
        _scenario("pge without completed bills", PGE, "pat@example.com"),
        lambda: pge_site(NOW, mfa=False, completed_bills=False),
        checks=(_values_are_the_truth, _bill_reads_give_the_billed_amounts),
    ),
    Case(
        _scenario(
            "comed mfa by text",
            COMED,
            "casey@example.com",
            mfa_method=MfaMethod.SMS,
            mfa_code=CODE,
            wrong_mfa_code="000000",
        ),
        lambda: comed_site(NOW, code=CODE),
        checks=(_values_are_the_truth, _completed_bills_give_the_segments),
    ),
    Case(
        _scenario(
            "comed forced email mfa",
            COMED,
            "casey@example.com",
            mfa_method=MfaMethod.EMAIL,
            mfa_code=CODE,
        ),
        lambda: comed_site(NOW, mfa="email", code=CODE),
        checks=(_values_are_the_truth,),
    ),
    Case(
        _scenario("coned with a totp secret", CONED, "sam@example.com", totp_secret=TOTP_SECRET),
        lambda: coned_site(NOW),
        checks=(_values_are_the_truth, _completed_bills_give_the_segments),
    ),
    Case(
        # An authenticator-app account without its key: the end user must enter it.
        _scenario("coned without the key", CONED, "sam@example.com", raises=InvalidCredentials),
        lambda: coned_site(NOW),
    ),
    Case(
        _scenario("city of austin", COA, "alex@example.com", expect_data=False),
        lambda: coa_site(NOW),
        checks=(_bills_only,),
    ),
    Case(
        _scenario("aep ohio", AEP_OHIO, "robin"),
        lambda: aep_site(NOW),
        checks=(_values_are_the_truth, _completed_bills_give_the_segments),
    ),
    Case(
        Scenario("wrong password", PGE, "pat@example.com", "nope", raises=InvalidCredentials),
        lambda: pge_site(NOW),
    ),
    Case(
        _scenario("site down", PGE, "pat@example.com", raises=TemporarilyUnavailable),
        lambda: pge_site(NOW),
        fault=Fault(status=503, times=None),
    ),
    Case(
        _scenario("network error", PGE, "pat@example.com", raises=TemporarilyUnavailable),
        lambda: pge_site(NOW),
        fault=Fault(drop=True, times=None),
    ),
    Case(
        _scenario("no answer", PGE, "pat@example.com", raises=UtilityTimeout),
        lambda: pge_site(NOW),
        timeout=0.2,
        fault=Fault(status=None, delay=0.5, times=None),
    ),
]


def test_metadata() -> None:
    check_metadata(OpowerConnector)


@pytest.mark.parametrize("case", CASES, ids=[c.scenario.name for c in CASES])
async def test_scenario(case: Case) -> None:
    async with case.site() as site:
        if case.fault is not None:
            site.http.fail(*AURA, case.fault)
        connector = site.connector(totp_secret=case.totp_secret, timeout=case.timeout)
        context = ConnectorContext(clock=ManualClock(NOW))
        report = await check_scenario(connector, case.scenario, context)
        # Every aiohttp session the connector opened is closed: after the data, after the
        # MFA dialog, and when login failed.
        assert site.sessions is not None
        assert site.sessions.all_closed
        assert site.http.unrouted == []
        if case.scenario.raises is None:
            assert report.accounts
            assert report.meters
        for check in case.checks:
            check(site, report)
