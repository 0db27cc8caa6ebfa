"""The names third-party connectors import are a contract: changing them must be deliberate."""

from __future__ import annotations

import importlib

import pytest

SURFACE = {
    "gridlink.connectors": {
        "Account", "AccountStatus", "Commodity", "Connector", "ConnectorContext", "ConnectorInfo",
        "ConnectorSession", "Credentials", "Direction", "Environment", "IntervalReading",
        "LineItem", "LineItemKind", "Meter", "MfaChallenge", "MfaMethod", "MfaOption",
        "ReadingComponent", "ReadingQuality", "RequestBudget", "Resolution", "ServiceAddress",
        "ServiceClass", "SessionToken", "SignInKind", "Statement", "TouUsage", "UtilityInfo",
    },
    "gridlink.connectors.errors": {
        "AccountLocked", "AuthorizationRevoked", "ConnectorError", "InvalidCredentials",
        "MfaChallengeClosed", "MfaCodeInvalid", "MfaOptionInvalid", "MfaRequired",
        "MfaSessionExpired", "MfaStepFailed",
        "Reaction", "Rejected", "RetryLater", "TemporarilyUnavailable", "UnsupportedMfa",
        "UtilityTimeout",
    },
    "gridlink.connectors.testing": {
        "ConformanceError", "Scenario", "ScenarioReport", "check_metadata", "check_scenario",
        "conformance_suite",
    },
    "gridlink.connectors.registry": {
        "BUILTIN_CONNECTORS", "ENTRY_POINT_GROUP", "ConnectorRegistry", "ConnectorSource",
        "Declared", "RegistryError", "ServedUtility", "UnknownConnector", "default_registry",
    },
    "gridlink.connectors.units": {
        "DEFAULT_GAS_BTU_PER_FT3", "NORMALIZED_UNITS", "Dimension", "IncompatibleUnits", "Quantity",
        "UnknownUnit", "canonical_unit", "convert", "dimension_of", "fits_commodity",
        "is_known_unit", "normalize",
    },
}  # fmt: skip


@pytest.mark.parametrize("module_name", sorted(SURFACE))
def test_public_names(module_name: str) -> None:
    module = importlib.import_module(module_name)
    assert set(module.__all__) == SURFACE[module_name]
    for name in module.__all__:
        assert getattr(module, name) is not None


def test_the_kit_does_not_import_pytest_at_import_time() -> None:
    import subprocess
    import sys

    code = "import sys, gridlink.connectors.testing; print('pytest' in sys.modules)"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"
