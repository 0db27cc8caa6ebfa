"""The opower library's exceptions → Gridlink's reaction-named errors.

- ``InvalidAuth`` → ``InvalidCredentials`` (at login; during MFA it means a wrong code,
  which :mod:`.mfa` maps). ConEd and Orange & Rockland sign in with an authenticator app
  (the library wants its TOTP secret, which Gridlink does not collect): their
  "TOTP secret is required" becomes ``UnsupportedMfa``.
- ``CannotConnect``, ``ApiException`` and ``aiohttp.ClientError`` → ``TemporarilyUnavailable``;
  time-outs → ``UtilityTimeout``.
- Parsing failures inside the library (``KeyError``...) → ``TemporarilyUnavailable``: the
  site changed, nothing the end user can do.
- ``MfaChallenge`` is not mapped here: :mod:`.connector` turns it into ``MfaRequired``.
"""

from __future__ import annotations

from contextlib import AbstractContextManager

from opower import CannotConnect, InvalidAuth
from opower.exceptions import ApiException

from gridlink.connectors.errors import (
    ConnectorError,
    InvalidCredentials,
    TemporarilyUnavailable,
    UnsupportedMfa,
)
from gridlink.connectors.library_support import common_error, raised_as_ours

CONNECTOR_ID = "opower"


def translate(error: Exception, *, totp_utility: bool = False) -> ConnectorError | None:
    """Our error for ``error``, or None when it is not the library's (a bug: let it raise)."""
    if isinstance(error, InvalidAuth):
        if totp_utility and "totp" in str(error).lower():
            return UnsupportedMfa()
        return InvalidCredentials()
    if isinstance(error, CannotConnect | ApiException):
        return TemporarilyUnavailable()
    return common_error(CONNECTOR_ID, error)


def library_errors(*, totp_utility: bool = False) -> AbstractContextManager[None]:
    """Run library calls inside: its exceptions leave as ours, anything else as it was."""
    return raised_as_ours(lambda error: translate(error, totp_utility=totp_utility))
