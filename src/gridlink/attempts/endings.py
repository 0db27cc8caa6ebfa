"""How an attempt can end besides a verification: the failures the engine itself decides
(interruption, the end user's silence, an expired challenge, the MFA limits) and the signals the
dialog raises to reach them. Each becomes one transaction in attempts/outcomes.py."""

from __future__ import annotations

from gridlink.attempts import limits, outcomes
from gridlink.connectors.errors import ConnectorError, MfaChallengeClosed

INTERRUPTED = outcomes.Failure(
    "error",
    "CONNECTION_INTERRUPTED",
    "The connection to your utility was interrupted. Please try again.",
    action_required=False,
)
USER_TIMEOUT = outcomes.Failure(
    "timeout",
    outcomes.MFA_REQUIRED,
    "The verification was not finished in time. Start again to get a new code.",
    action_required=True,
)
CHALLENGE_EXPIRED = outcomes.Failure(
    "timeout",
    outcomes.MFA_REQUIRED,
    "The verification code has expired. Start again to get a new code.",
    action_required=True,
)
MFA_AFTER_PENDING = outcomes.Failure(
    "rejected",
    outcomes.MFA_REQUIRED,
    "The utility asked for a verification code after Connect was closed. Open Connect again.",
    action_required=True,
)


class InputTimeout(Exception):
    """The end user did not answer in time (or closed Connect)."""


class WentBack(Exception):
    """The end user went Back from the MFA dialog to sign in again."""


class SessionEnded(Exception):
    """The attempt's session ended (its link was revoked, or it was spent elsewhere)."""


class AttemptGone(Exception):
    """The attempt's row is gone: the app deleted the credential or the end user meanwhile."""


class ChallengeExpired(Exception):
    """The MFA challenge outlived ``limits.MFA_CHALLENGE_TTL``."""


class MfaLimitReached(Exception):
    """No more codes may be sent or tried for this login now (``limits``)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


def failure_of(error: ConnectorError) -> outcomes.Failure:
    """A verification failed with too many wrong codes counts as a failed sign-in, as a wrong
    password does: guessing codes must not be free of the sign-in limits."""
    return outcomes.Failure(
        status=error.status if error.status in ("rejected", "error", "timeout") else "rejected",
        status_detail=error.status_detail,
        message=error.message,
        action_required=error.action_required,
        counts_as_failed_login=error.status_detail in limits.FAILURE_STATUS_DETAILS
        or isinstance(error, MfaChallengeClosed),
    )


MFA_RATE_LIMITED = "MULTI_FACTOR_AUTHENTICATION_RATE_LIMITED"


def mfa_limited(message: str) -> outcomes.Failure:
    """The login had its share of codes sent or tried (``limits``): the end user must wait,
    which is not "too many wrong codes" — a new sign-in now would be refused again."""
    return outcomes.Failure("rejected", MFA_RATE_LIMITED, message, action_required=True)
