"""Sandbox scenarios, chosen by username.

``user_good+anything`` plays ``user_good`` with other (equally deterministic) data.
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum

from gridlink.connectors.metadata import MfaMethod

GOOD_PASSWORD = "pass_good"  # noqa: S105 - the documented sandbox password
NEW_PASSWORD = "pass_new"  # noqa: S105 - user_password_changed's password after the change
MFA_CODE = "123456"
# The authenticator key sandbox_authenticator accepts (docs/reference/sandbox.md): as an app shows
# it, "GRID LINK SAND BOX2"; any spacing and case.
TOTP_SECRET = "GRIDLINKSANDBOX2"  # noqa: S105 - the documented sandbox key
MFA_ATTEMPTS = 5


class Scenario(StrEnum):
    GOOD = "user_good"
    MULTI = "user_multi"
    LOCKED = "user_locked"
    MFA_SMS = "user_mfa_sms"
    MFA_CALL = "user_mfa_call"
    MFA_EMAIL = "user_mfa_email"
    MFA_CHOICE = "user_mfa_choice"
    SLOW = "user_slow"
    TIMEOUT = "user_timeout"
    DOWN = "user_down"
    MFA_EXPIRING = "user_mfa_expiring"
    PASSWORD_CHANGED = "user_password_changed"  # noqa: S105 - a username
    UNSUPPORTED_MFA = "user_unsupported_mfa"
    SOLAR = "user_solar"
    LATE_DATA = "user_late_data"


# user_late_data's utility publishes readings three days late, and its newest days are
# estimates (a tenth high) that actual reads replace once they are this old.
LATE_DATA_LAG = timedelta(hours=72)
ESTIMATED_FOR = timedelta(days=4)


MFA_METHODS: dict[Scenario, tuple[MfaMethod, ...]] = {
    Scenario.MFA_SMS: (MfaMethod.SMS,),
    Scenario.MFA_CALL: (MfaMethod.CALL,),
    Scenario.MFA_EMAIL: (MfaMethod.EMAIL,),
    Scenario.MFA_CHOICE: (MfaMethod.SMS, MfaMethod.CALL, MfaMethod.EMAIL),
    Scenario.MFA_EXPIRING: (MfaMethod.SMS, MfaMethod.EMAIL),
}


def scenario_of(username: str) -> Scenario | None:
    base = username.split("+", 1)[0]
    try:
        return Scenario(base)
    except ValueError:
        return None
