"""The conformance kit, run on the sandbox for every scenario (as any connector's tests do)."""

from __future__ import annotations

from gridlink.connectors.base import ConnectorContext
from gridlink.connectors.errors import (
    AccountLocked,
    InvalidCredentials,
    TemporarilyUnavailable,
    UnsupportedMfa,
    UtilityTimeout,
)
from gridlink.connectors.metadata import MfaMethod
from gridlink.connectors.sandbox import GOOD_PASSWORD, MFA_CODE
from gridlink.connectors.sandbox.scenarios import TOTP_SECRET
from gridlink.connectors.testing import Scenario, conformance_suite
from gridlink.kit.clock import ManualClock
from tests.connectors.conftest import START, FastSandbox

PW = GOOD_PASSWORD
UTILITY_IDS = [u.id for u in FastSandbox.info.utilities]
AUTHENTICATOR = "sandbox_authenticator"  # signs in with the authenticator app's key


def _key(utility: str) -> str | None:
    return "gridlink sandbox2" if utility == AUTHENTICATOR else None  # as typed: any spacing


def _mfa(utility: str, username: str, method: MfaMethod) -> Scenario:
    return Scenario(
        f"{username}-{method}@{utility}",
        utility,
        username,
        PW,
        mfa_method=method,
        mfa_code=MFA_CODE,
        wrong_mfa_code="654321",
    )


SCENARIOS = [
    *(Scenario(f"user_good@{u}", u, "user_good", PW, totp_secret=_key(u)) for u in UTILITY_IDS),
    *(Scenario(f"user_multi@{u}", u, "user_multi", PW, totp_secret=_key(u)) for u in UTILITY_IDS),
    # The key answers the verification: an MFA user signs in without a code.
    Scenario(
        "user_mfa_sms@authenticator", AUTHENTICATOR, "user_mfa_sms", PW, totp_secret=TOTP_SECRET
    ),
    Scenario(
        "wrong authenticator key",
        AUTHENTICATOR,
        "user_good",
        PW,
        totp_secret="JBSW Y3DP EHPK 3PXP",
        raises=InvalidCredentials,
    ),
    Scenario("no authenticator key", AUTHENTICATOR, "user_good", PW, raises=InvalidCredentials),
    Scenario("user_good+alice", "sandbox_electric", "user_good+alice", PW),
    Scenario(
        "wrong password", "sandbox_electric", "user_good", "pass_bad", raises=InvalidCredentials
    ),
    Scenario("unknown user", "sandbox_gas", "someone_else", PW, raises=InvalidCredentials),
    Scenario("user_locked", "sandbox_electric", "user_locked", PW, raises=AccountLocked),
    _mfa("sandbox_electric", "user_mfa_sms", MfaMethod.SMS),
    _mfa("sandbox_gas", "user_mfa_call", MfaMethod.CALL),
    _mfa("sandbox_water", "user_mfa_email", MfaMethod.EMAIL),
    *(_mfa("sandbox_combined", "user_mfa_choice", method) for method in MfaMethod),
    _mfa("sandbox_electric", "user_mfa_expiring", MfaMethod.SMS),
    Scenario("user_slow", "sandbox_electric", "user_slow", PW),
    Scenario("user_timeout", "sandbox_electric", "user_timeout", PW, raises=UtilityTimeout),
    Scenario("user_down", "sandbox_combined", "user_down", PW, raises=TemporarilyUnavailable),
    Scenario("user_password_changed", "sandbox_electric", "user_password_changed", PW),
    Scenario(
        "user_unsupported_mfa", "sandbox_gas", "user_unsupported_mfa", PW, raises=UnsupportedMfa
    ),
    Scenario("user_solar", "sandbox_electric", "user_solar", PW, interval_days=10),
    Scenario("user_late_data", "sandbox_electric", "user_late_data", PW, interval_days=10),
    Scenario("user_solar@combined", "sandbox_combined", "user_solar", PW),
]


def _context(scenario: Scenario) -> ConnectorContext:
    return ConnectorContext(clock=ManualClock(START))


TestSandboxConformance = conformance_suite(FastSandbox, SCENARIOS, make_context=_context)


def test_every_documented_scenario_is_exercised() -> None:
    from gridlink.connectors.sandbox import Scenario as Username

    exercised = {s.username.split("+")[0] for s in SCENARIOS}
    assert exercised >= {u.value for u in Username}
