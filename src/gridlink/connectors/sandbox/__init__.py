"""The sandbox connector family: deterministic fictional utilities for tests and demos.

See docs/reference/sandbox.md for the scenarios (chosen by username) and the utilities.
"""

from gridlink.connectors.sandbox.connector import SandboxConnector, SandboxSession
from gridlink.connectors.sandbox.scenarios import (
    GOOD_PASSWORD,
    MFA_ATTEMPTS,
    MFA_CODE,
    NEW_PASSWORD,
    Scenario,
)
from gridlink.connectors.sandbox.settings import SandboxSettings
from gridlink.connectors.sandbox.utilities import SANDBOX_INFO, SANDBOX_UTILITIES

__all__ = [
    "GOOD_PASSWORD",
    "MFA_ATTEMPTS",
    "MFA_CODE",
    "NEW_PASSWORD",
    "SANDBOX_INFO",
    "SANDBOX_UTILITIES",
    "SandboxConnector",
    "SandboxSession",
    "SandboxSettings",
    "Scenario",
]
