"""The smart_meter_texas library's exceptions, and SMT's answers it does not judge → Gridlink's
reaction-named errors.

Raised by the library:

- ``SmartMeterTexasAuthError`` (SMT answered 400 to the sign-in) → ``InvalidCredentials``.
- ``SmartMeterTexasRateLimitError`` (403 to the sign-in) → ``Throttled``. The HTTP boundary
  (:mod:`.http`) sees every 403 first, so this is a second line.
- ``SmartMeterTexasTimeoutError`` → ``UtilityTimeout``.
- ``SmartMeterTexasAPIError``, ``SmartMeterTexasAuthExpired`` and any other library error,
  network failures and answers that could not be parsed → ``TemporarilyUnavailable``.

Raised at the HTTP boundary, before the library reads the answer:

- ``Throttled`` (a ``TemporarilyUnavailable``): 403 or 429 from any SMT address, the
  ``Retry-After`` it gave or one hour.
- ``TokenRejected`` (a ``TemporarilyUnavailable``): 401 from the data API. The session signs
  in once more and repeats the call; a second one ends it.
- ``TemporarilyUnavailable``: 5xx, with its ``Retry-After`` if any.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
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
from gridlink.connectors.library_support import common_error, library_call

CONNECTOR_ID = "smart_meter_texas"
RATE_LIMIT_RETRY = timedelta(hours=1)  # SMT does not say how long; its lockouts last a while


class Throttled(TemporarilyUnavailable):
    default_message = (
        "Smart Meter Texas is refusing requests for a while (too many). "
        "Gridlink will try again later."
    )

    def __init__(self, retry_after: timedelta | None = None) -> None:
        super().__init__(retry_after=retry_after or RATE_LIMIT_RETRY)


class TokenRejected(TemporarilyUnavailable):
    default_message = (
        "Smart Meter Texas did not accept its own sign-in. Gridlink will try again later."
    )


def translate(error: Exception) -> ConnectorError | None:
    """Our error for ``error``, or None when it is not the library's (a bug: let it raise)."""
    if isinstance(error, SmartMeterTexasAuthError):
        return InvalidCredentials()
    if isinstance(error, SmartMeterTexasRateLimitError):
        return Throttled()
    if isinstance(error, SmartMeterTexasTimeoutError):
        return UtilityTimeout()
    if isinstance(error, SmartMeterTexasException):
        return TemporarilyUnavailable()
    return common_error(CONNECTOR_ID, error)


def library_errors(within: timedelta) -> AbstractAsyncContextManager[None]:
    """Run one library call inside: at most ``within``; its exceptions leave as ours."""
    return library_call(translate, within)
