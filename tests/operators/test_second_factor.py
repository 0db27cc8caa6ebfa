"""TOTP codes as operators/second_factor.py judges them (no database: a pure rule)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pyotp

from gridlink.operators.second_factor import STEP_SECONDS, matching_step, new_secret

NOW = datetime(2026, 1, 15, 12, 0, 10, tzinfo=UTC)
STEP = int(NOW.timestamp()) // STEP_SECONDS


def test_a_code_is_valid_for_its_step_and_one_either_side_only() -> None:
    secret = new_secret()
    totp = pyotp.TOTP(secret)
    assert matching_step(secret, totp.at(NOW), NOW, None) == STEP
    assert matching_step(secret, totp.at(NOW - timedelta(seconds=30)), NOW, None) == STEP - 1
    assert matching_step(secret, totp.at(NOW + timedelta(seconds=30)), NOW, None) == STEP + 1
    assert matching_step(secret, totp.at(NOW - timedelta(seconds=90)), NOW, None) is None
    assert matching_step(secret, "12345", NOW, None) is None
    assert matching_step(secret, "abcdef", NOW, None) is None


def test_a_code_of_a_step_already_used_or_earlier_is_refused() -> None:
    secret = new_secret()
    code = pyotp.TOTP(secret).at(NOW)
    assert matching_step(secret, code, NOW, STEP - 1) == STEP
    assert matching_step(secret, code, NOW, STEP) is None
    assert matching_step(secret, code, NOW, STEP + 1) is None
