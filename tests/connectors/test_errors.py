"""Errors carry their own outcome, so the engine needs no mapping table."""

from __future__ import annotations

from datetime import timedelta

import pytest

from gridlink.connectors import errors
from gridlink.connectors.base import MfaChallenge, MfaOption
from gridlink.connectors.errors import ConnectorError, Reaction
from gridlink.connectors.metadata import MfaMethod

CHALLENGE = MfaChallenge((MfaOption("sms-1", MfaMethod.SMS, "***-***-1234"),))

OUTCOMES = [
    (errors.InvalidCredentials(), Reaction.REJECT, "rejected", "INVALID_CREDENTIALS", True),
    (errors.AccountLocked(), Reaction.REJECT, "rejected", "ACCOUNT_LOCKED", True),
    (errors.AuthorizationRevoked(), Reaction.REJECT, "rejected", "AUTHORIZATION_REVOKED", True),
    (
        errors.UnsupportedMfa(),
        Reaction.REJECT,
        "rejected",
        "UNSUPPORTED_MULTI_FACTOR_AUTHENTICATION",
        False,
    ),
    (
        errors.MfaChallengeClosed(),
        Reaction.REJECT,
        "rejected",
        "MULTI_FACTOR_AUTHENTICATION_REQUIRED",
        True,
    ),
    (
        errors.MfaRequired(CHALLENGE),
        Reaction.ASK_USER,
        "pending",
        "MULTI_FACTOR_AUTHENTICATION_REQUIRED",
        True,
    ),
    (
        errors.MfaSessionExpired(CHALLENGE),
        Reaction.ASK_USER,
        "pending",
        "MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED",
        True,
    ),
    (
        errors.MfaCodeInvalid(3),
        Reaction.RETRY_STEP,
        "pending",
        "MULTI_FACTOR_AUTHENTICATION_REQUIRED",
        True,
    ),
    (
        errors.MfaOptionInvalid(),
        Reaction.RETRY_STEP,
        "pending",
        "MULTI_FACTOR_AUTHENTICATION_REQUIRED",
        True,
    ),
    (errors.TemporarilyUnavailable(), Reaction.RETRY_LATER, "error", "UTILITY_UNAVAILABLE", False),
    (errors.UtilityTimeout(), Reaction.RETRY_LATER, "timeout", "UTILITY_UNAVAILABLE", False),
]


@pytest.mark.parametrize(
    ("error", "reaction", "status", "detail", "action"), OUTCOMES, ids=lambda v: str(v)[:30]
)
def test_each_error_maps_to_one_outcome(
    error: ConnectorError, reaction: Reaction, status: str, detail: str, action: bool
) -> None:
    assert (error.reaction, error.status, error.status_detail, error.action_required) == (
        reaction,
        status,
        detail,
        action,
    )
    assert str(error) == error.message
    assert error.message


def test_every_error_is_in_the_tree_and_the_docstring() -> None:
    exported = {getattr(errors, name) for name in errors.__all__}
    classes = {c for c in exported if isinstance(c, type) and issubclass(c, ConnectorError)}
    leaves = {c for c in classes if not any(o is not c and issubclass(o, c) for o in classes)}
    assert {type(e) for e, *_ in OUTCOMES} >= leaves
    for cls in classes:
        assert cls.__name__ in (errors.__doc__ or "")


def test_retry_hints_and_attempts_are_carried() -> None:
    assert errors.TemporarilyUnavailable(retry_after=timedelta(minutes=5)).retry_after == timedelta(
        minutes=5
    )
    wrong = errors.MfaCodeInvalid(1)
    assert wrong.attempts_left == 1
    assert "1 attempt left" in str(wrong)
    assert "2 attempts left" in str(errors.MfaCodeInvalid(2))


def test_an_mfa_error_shows_masked_options_only() -> None:
    text = repr(errors.MfaRequired(CHALLENGE))
    assert "***-***-1234" in text
    assert "handle" not in text
