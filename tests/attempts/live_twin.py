"""A live-environment utility for tests: the sandbox's behaviour behind a live catalog entry.

Live clients see only live utilities, whose real websites the tests cannot reach; this connector
fakes that far edge (as the sandbox does for sandbox clients) so the limits that apply to live
clients only can be driven end to end."""

from __future__ import annotations

from gridlink import Settings
from gridlink.connectors.base import Connector, ConnectorContext
from gridlink.connectors.metadata import (
    ConnectorInfo,
    Environment,
    MfaMethod,
    SignInKind,
    UtilityInfo,
)
from gridlink.connectors.models import Commodity
from gridlink.connectors.registry import ConnectorRegistry, default_registry
from gridlink.connectors.sandbox.connector import SandboxConnector
from gridlink.connectors.sandbox.utilities import sandbox_utility
from gridlink.worker.registry import sandbox_settings

TWIN = "twin_power"


class LiveTwin(SandboxConnector):
    info = ConnectorInfo(
        id="live_twin",
        display_name="Live twin of the sandbox",
        utilities=(
            UtilityInfo(
                id=TWIN,
                name="Twin Power",
                states=("CA",),
                commodities=(Commodity.ELECTRIC,),
                sign_in_kinds=(SignInKind.PASSWORD, SignInKind.PASSWORD_MFA),
                mfa_methods=(MfaMethod.SMS,),
                environment=Environment.LIVE,
            ),
        ),
    )

    def __init__(self, utility_id: str, context: ConnectorContext | None = None) -> None:
        Connector.__init__(self, utility_id, context)
        self._utility = sandbox_utility("sandbox_electric")


def registry_with_twin(settings: Settings) -> ConnectorRegistry:
    tuned = sandbox_settings(settings)
    return default_registry(
        builtins=[SandboxConnector.with_settings(tuned), LiveTwin.with_settings(tuned)],
        discover=False,
    )
