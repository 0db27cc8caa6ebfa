"""Tunable waits and lifetimes of the sandbox; defaults feel like a real utility."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta


@dataclass(frozen=True, slots=True)
class SandboxSettings:
    # user_slow: verification takes longer than the widget waits (it then shows "pending").
    slow_delay: timedelta = timedelta(seconds=20)
    # user_timeout: how long the utility stays silent before the connector gives up.
    timeout_after: timedelta = timedelta(seconds=30)
    # user_down: the retry hint TemporarilyUnavailable carries.
    down_retry_after: timedelta = timedelta(minutes=15)
    # Lifetime of the MFA session token of the MFA scenarios ...
    mfa_session_lifetime: timedelta = timedelta(days=90)
    # ... and of user_mfa_expiring's (sandbox time: move the sandbox clock to reach it).
    mfa_expiring_lifetime: timedelta = timedelta(minutes=10)
    # user_password_changed: the password changes this long after the first login.
    password_changed_after: timedelta = timedelta(hours=1)
    # How much history every meter has.
    history_months: int = 24
