"""The smart_meter_texas library's exceptions → Gridlink's reaction-named errors.

- ``SmartMeterTexasAuthError`` (SMT answered 400 to the sign-in) → ``InvalidCredentials``.
- ``SmartMeterTexasRateLimitError`` (403: too many requests or brute-force protection) →
  ``TemporarilyUnavailable`` with a one-hour ``retry_after``: SMT does not say how long.
- ``SmartMeterTexasTimeoutError`` → ``UtilityTimeout``.
- ``SmartMeterTexasAPIError``, ``SmartMeterTexasAuthExpired`` and any other library error,
  network failures and answers the library could not parse → ``TemporarilyUnavailable``.
- ``SmartMeterTexasAPIDateError`` ("no data for that day") is not an error: the session
  returns no readings for the day.
"""

from __future__ import annotations

from contextlib import AbstractContextManager
from datetime import timedelta

from smart_meter_texas.exceptions import (
    SmartMeterTexasAuthError,
    SmartMeterTexasException,
    SmartMeterTexasRateLimitError,
    SmartMeterTexasTimeoutError,
)

from gridlink.connectors.errors import (
    ConnectorError,
    InvalidCredentials,
    TemporarilyUnavailable,
    UtilityTimeout,
)
from gridlink.connectors.library_support import common_error, raised_as_ours

CONNECTOR_ID = "smart_meter_texas"
RATE_LIMIT_RETRY = timedelta(hours=1)


def translate(error: Exception) -> ConnectorError | None:
    """Our error for ``error``, or None when it is not the library's (a bug: let it raise)."""
    if isinstance(error, SmartMeterTexasAuthError):
        return InvalidCredentials()
    if isinstance(error, SmartMeterTexasRateLimitError):
        return TemporarilyUnavailable(
            "Smart Meter Texas is refusing sign-ins for a while (too many attempts). "
            "Gridlink will try again later.",
            retry_after=RATE_LIMIT_RETRY,
        )
    if isinstance(error, SmartMeterTexasTimeoutError):
        return UtilityTimeout()
    if isinstance(error, SmartMeterTexasException):
        return TemporarilyUnavailable()
    return common_error(CONNECTOR_ID, error)


def library_errors() -> AbstractContextManager[None]:
    """Run library calls inside: its exceptions leave as ours, anything else as it was."""
    return raised_as_ours(translate)
