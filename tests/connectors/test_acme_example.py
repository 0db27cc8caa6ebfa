"""The guide's example connector passes the kit with only the far side faked."""

from __future__ import annotations

import httpx

from gridlink.connectors.base import ConnectorContext
from gridlink.connectors.errors import InvalidCredentials
from gridlink.connectors.metadata import MfaMethod
from gridlink.connectors.testing import Scenario, check_scenario, conformance_suite
from gridlink.kit.clock import ManualClock
from tests.connectors.acme import AcmeConnector
from tests.connectors.acme_site import CODE, DEVICE_TOKEN, PASSWORD, AcmeSite
from tests.connectors.conftest import START

SCENARIOS = [
    Scenario("no mfa", "acme_power", "plain", PASSWORD),
    Scenario(
        "mfa",
        "acme_power",
        "alice",
        PASSWORD,
        mfa_method=MfaMethod.SMS,
        mfa_code=CODE,
        wrong_mfa_code="000000",
        secrets=(DEVICE_TOKEN, "acme-access"),
    ),
    Scenario("bad password", "acme_power", "alice", "wrong", raises=InvalidCredentials),
]


def _context(site: AcmeSite) -> ConnectorContext:
    return ConnectorContext(
        clock=ManualClock(START),
        http_client=lambda: httpx.AsyncClient(transport=site.transport()),
    )


TestAcmeConformance = conformance_suite(
    AcmeConnector, SCENARIOS, make_context=lambda _: _context(AcmeSite(START))
)


async def test_the_kit_drives_mfa_through_the_http_seam() -> None:
    site = AcmeSite(START)
    report = await check_scenario(AcmeConnector, SCENARIOS[1], _context(site))
    assert site.sent_to == ["p1"]
    assert report.session_token is not None
    assert report.session_token.value == DEVICE_TOKEN
    assert [len(r) for r in report.readings.values()] == [72]
