"""Errors a connector raises, named by the reaction they need.

Every error carries the credential outcome it maps to (``status``, ``status_detail``,
``action_required``) and a ``reaction``, so the engine needs no table of its own. Messages
are safe to show an end user and never hold a password, code or session token.

    ConnectorError                    (root; anything else a connector raises is a bug)
    ├── Rejected                      reaction REJECT: stop, the end user must change something
    │   ├── InvalidCredentials        rejected · INVALID_CREDENTIALS · action
    │   ├── AccountLocked             rejected · ACCOUNT_LOCKED · action
    │   ├── UnsupportedMfa            rejected · UNSUPPORTED_MULTI_FACTOR_AUTHENTICATION
    │   ├── AuthorizationRevoked      rejected · AUTHORIZATION_REVOKED · action (Green Button)
    │   └── MfaChallengeClosed        rejected · MULTI_FACTOR_AUTHENTICATION_REQUIRED · action
    ├── MfaRequired                   reaction ASK_USER: show the challenge's options
    │   └── MfaSessionExpired         pending · MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED
    ├── MfaStepFailed                 reaction RETRY_STEP: ask again, same challenge
    │   ├── MfaCodeInvalid            (attempts_left)
    │   └── MfaOptionInvalid
    └── RetryLater                    reaction RETRY_LATER: nothing for the user to do
        ├── TemporarilyUnavailable    error · UTILITY_UNAVAILABLE (retry_after)
        └── UtilityTimeout            timeout · UTILITY_UNAVAILABLE
"""

from __future__ import annotations

from datetime import timedelta
from enum import StrEnum
from typing import TYPE_CHECKING, ClassVar

if TYPE_CHECKING:
    from gridlink.connectors.base import MfaChallenge


class Reaction(StrEnum):
    REJECT = "reject"
    ASK_USER = "ask_user"
    RETRY_STEP = "retry_step"
    RETRY_LATER = "retry_later"


class ConnectorError(Exception):
    reaction: ClassVar[Reaction]
    status: ClassVar[str]
    status_detail: ClassVar[str]
    action_required: ClassVar[bool]
    default_message: ClassVar[str] = "The utility could not be reached."

    def __init__(self, message: str | None = None) -> None:
        self.message = message or self.default_message
        super().__init__(self.message)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r})"


class Rejected(ConnectorError):
    reaction = Reaction.REJECT
    status = "rejected"
    action_required = True


class InvalidCredentials(Rejected):
    status_detail = "INVALID_CREDENTIALS"
    default_message = (
        "The utility did not accept this username and password. Check them and try again."
    )


class AccountLocked(Rejected):
    status_detail = "ACCOUNT_LOCKED"
    default_message = (
        "The utility has locked this account. Unlock it on the utility's website, then try again."
    )


class UnsupportedMfa(Rejected):
    status_detail = "UNSUPPORTED_MULTI_FACTOR_AUTHENTICATION"
    action_required = False
    default_message = (
        "The utility asks for a kind of verification Gridlink cannot answer. Switch the account "
        "to text, call or email codes at the utility, then try again."
    )


class AuthorizationRevoked(Rejected):
    """The end user's Green Button Connect authorization ended at the utility (revoked, or
    its refresh token refused with ``invalid_grant``): they must authorize again."""

    status_detail = "AUTHORIZATION_REVOKED"
    default_message = (
        "The utility no longer lets Gridlink read this account's data. Connect it again to "
        "keep data flowing."
    )


class MfaChallengeClosed(Rejected):
    status_detail = "MULTI_FACTOR_AUTHENTICATION_REQUIRED"
    default_message = "Too many attempts for this verification. Start again to get a new code."


class MfaRequired(ConnectorError):
    """The utility wants a one-time code; ``challenge`` lists the ways to receive it."""

    reaction = Reaction.ASK_USER
    status = "pending"
    status_detail = "MULTI_FACTOR_AUTHENTICATION_REQUIRED"
    action_required = True
    default_message = "The utility wants to verify it is you. Choose where to receive a code."

    def __init__(self, challenge: MfaChallenge, message: str | None = None) -> None:
        super().__init__(message)
        self.challenge = challenge

    def __repr__(self) -> str:
        return f"{type(self).__name__}({self.message!r}, challenge={self.challenge!r})"


class MfaSessionExpired(MfaRequired):
    """The stored session token expired; ``challenge`` starts a fresh verification."""

    status_detail = "MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED"
    default_message = "The utility's verification has expired. Verify again to keep data flowing."


class MfaStepFailed(ConnectorError):
    reaction = Reaction.RETRY_STEP
    status = "pending"
    status_detail = "MULTI_FACTOR_AUTHENTICATION_REQUIRED"
    action_required = True


class MfaCodeInvalid(MfaStepFailed):
    default_message = "That code is not right. Check it and try again."

    def __init__(self, attempts_left: int | None = None, message: str | None = None) -> None:
        if message is None and attempts_left is not None:
            plural = "s" if attempts_left != 1 else ""
            message = f"That code is not right. {attempts_left} attempt{plural} left."
        super().__init__(message)
        self.attempts_left = attempts_left


class MfaOptionInvalid(MfaStepFailed):
    default_message = "Choose one of the offered ways to receive a code first."


class RetryLater(ConnectorError):
    reaction = Reaction.RETRY_LATER
    action_required = False


class TemporarilyUnavailable(RetryLater):
    status = "error"
    status_detail = "UTILITY_UNAVAILABLE"
    default_message = (
        "The utility's website is unavailable right now. Gridlink will try again later."
    )

    def __init__(self, message: str | None = None, *, retry_after: timedelta | None = None) -> None:
        super().__init__(message)
        self.retry_after = retry_after


class UtilityTimeout(RetryLater):
    status = "timeout"
    status_detail = "UTILITY_UNAVAILABLE"
    default_message = "The utility did not answer in time. Gridlink will try again later."


__all__ = [
    "AccountLocked",
    "AuthorizationRevoked",
    "ConnectorError",
    "InvalidCredentials",
    "MfaChallengeClosed",
    "MfaCodeInvalid",
    "MfaOptionInvalid",
    "MfaRequired",
    "MfaSessionExpired",
    "MfaStepFailed",
    "Reaction",
    "Rejected",
    "RetryLater",
    "TemporarilyUnavailable",
    "UnsupportedMfa",
    "UtilityTimeout",
]
