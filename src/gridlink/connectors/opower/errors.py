"""The opower library's exceptions → Gridlink's reaction-named errors.

- ``InvalidAuth`` → ``InvalidCredentials`` (at login; during MFA it means a wrong code,
  which :mod:`.mfa` maps). ConEd and Orange & Rockland sign in with an authenticator app:
  the library computes the codes from the app's setup key (TOTP secret) the end user gave.
  Its "TOTP secret is required" (no key) and "2FA code was invalid" (a wrong key) say so
  in the message, so the end user knows which field to fix.
- ``CannotConnect``, ``ApiException`` and ``aiohttp.ClientError`` → ``TemporarilyUnavailable``;
  time-outs → ``UtilityTimeout``.
- Parsing failures inside the library (``KeyError``...) → ``TemporarilyUnavailable``: the
  site changed, nothing the end user can do.
- ``MfaChallenge`` is not mapped here: :mod:`.connector` turns it into ``MfaRequired``.
- A library call that outlives its time bound (``OpowerLibrary.call_timeout``) →
  ``UtilityTimeout``.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import timedelta

from opower import CannotConnect, InvalidAuth
from opower.exceptions import ApiException

from gridlink.connectors.errors import (
    ConnectorError,
    InvalidCredentials,
    TemporarilyUnavailable,
)
from gridlink.connectors.library_support import common_error, library_call

CONNECTOR_ID = "opower"
NEEDS_KEY = (
    "The utility verifies this account with an authenticator app: enter the app's setup key."
)
WRONG_KEY = (
    "The utility refused the code made from this authenticator key. Check the setup key and "
    "try again."
)


def translate(error: Exception, *, totp_utility: bool = False) -> ConnectorError | None:
    """Our error for ``error``, or None when it is not the library's (a bug: let it raise)."""
    if isinstance(error, InvalidAuth):
        said = str(error).lower()
        if totp_utility and "totp" in said:
            return InvalidCredentials(NEEDS_KEY)
        if totp_utility and "2fa" in said:
            return InvalidCredentials(WRONG_KEY)
        return InvalidCredentials()
    if isinstance(error, CannotConnect | ApiException):
        return TemporarilyUnavailable()
    return common_error(CONNECTOR_ID, error)


def library_errors(
    within: timedelta, *, totp_utility: bool = False
) -> AbstractAsyncContextManager[None]:
    """Run one library call inside: at most ``within``; its exceptions leave as ours, anything
    else as it was."""
    return library_call(lambda error: translate(error, totp_utility=totp_utility), within)
