"""The conformance kit on the opower connector, with fakes of the library's classes."""

from __future__ import annotations

from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from opower import CannotConnect, InvalidAuth, MeterType, ReadResolution, UnitOfMeasure

from gridlink.connectors.base import ConnectorContext
from gridlink.connectors.errors import (
    ConnectorError,
    InvalidCredentials,
    TemporarilyUnavailable,
    UtilityTimeout,
)
from gridlink.connectors.metadata import MfaMethod
from gridlink.connectors.models import Direction
from gridlink.connectors.opower import OpowerConnector
from gridlink.connectors.testing import Scenario, check_metadata, check_scenario
from gridlink.kit.clock import ManualClock
from tests.connectors.library_fakes import Sessions, no_sockets  # noqa: F401 - autouse
from tests.connectors.opower_fakes import CODE, COOKIE, PASSWORD, Site, agreement, connector_for

NOW = datetime(2026, 3, 20, 17, 30, tzinfo=UTC)
LA, NY = ZoneInfo("America/Los_Angeles"), ZoneInfo("America/New_York")
ELEC_GAS = [
    agreement("sa-elec-1", "1234567890"),
    agreement("sa-gas-1", "1234567890", MeterType.GAS, ReadResolution.DAY),
]


def _mfa(method: MfaMethod) -> tuple[Scenario, Site]:
    return (
        Scenario(
            f"pge mfa by {method}",
            "eia_14328",
            "pat@example.com",
            PASSWORD,
            mfa_method=method,
            mfa_code=CODE,
            wrong_mfa_code="975310",
            secrets=(COOKIE,),
        ),
        Site(LA, NOW, ELEC_GAS, mfa=True),
    )


def _fails(name: str, error: type[ConnectorError], **site: object) -> tuple[Scenario, Site]:
    return (
        Scenario(name, "eia_4226", "sam", PASSWORD, raises=error),
        Site(NY, NOW, ELEC_GAS, **site),  # type: ignore[arg-type]
    )


CASES = [
    _mfa(MfaMethod.EMAIL),
    _mfa(MfaMethod.SMS),
    (
        Scenario("coned electric and gas", "eia_4226", "sam", PASSWORD),
        Site(NY, NOW, ELEC_GAS),
    ),
    (
        Scenario("smud solar", "eia_16534", "sol", PASSWORD),
        Site(LA, NOW, [agreement("sa-pv", "7000111")], solar=frozenset({"sa-pv"})),
    ),
    (
        Scenario("no completed bills", "eia_16534", "b", PASSWORD),
        Site(LA, NOW, [agreement("sa-e", "7000222")], completed_bills=False),
    ),
    (
        Scenario("southwest gas in CCF", "southwest_gas", "gus", PASSWORD),
        Site(
            ZoneInfo("America/Phoenix"),
            NOW,
            [agreement("sa-g", "55-1", MeterType.GAS, ReadResolution.DAY)],
            forecast_unit=UnitOfMeasure.CCF,
        ),
    ),
    (
        Scenario("wrong password", "eia_4226", "sam", "nope", raises=InvalidCredentials),
        Site(NY, NOW, ELEC_GAS),
    ),
    _fails("site down", TemporarilyUnavailable, down=CannotConnect("HTTP 503")),
    _fails("network error", TemporarilyUnavailable, down=aiohttp.ClientConnectionError()),
    _fails("no answer", UtilityTimeout, down=TimeoutError()),
    _fails(  # an authenticator-app account without its key: the end user must enter it
        "authenticator app",
        InvalidCredentials,
        login_error=InvalidAuth("TOTP secret is required for MFA accounts"),
    ),
]


def test_metadata() -> None:
    check_metadata(OpowerConnector)


@pytest.mark.parametrize(("scenario", "site"), CASES, ids=[c[0].name for c in CASES])
async def test_scenario(scenario: Scenario, site: Site) -> None:
    sessions = Sessions()
    connector = connector_for(site, sessions)
    report = await check_scenario(connector, scenario, ConnectorContext(clock=ManualClock(NOW)))
    # Every aiohttp session the connector opened is closed: after the data, after the MFA
    # dialog, and when login failed.
    assert sessions.all_closed
    if scenario.raises is None:
        assert report.accounts
        assert report.meters
    if scenario.name == "smud solar":
        directions = {r.direction for found in report.readings.values() for r in found}
        assert directions == {Direction.DELIVERED, Direction.RECEIVED}
