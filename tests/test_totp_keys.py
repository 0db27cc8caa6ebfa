"""What counts as an authenticator setup key (kit/totp.py). The widget checks the same cases
before sending (widget/packages/ui/test/flow.test.ts); the server has the last word."""

from __future__ import annotations

import pytest

from gridlink.kit.totp import NotATotpSecret, normalize_totp_secret


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("JBSWY3DPEHPK3PXP", "JBSWY3DPEHPK3PXP"),
        ("jbsw y3dp ehpk 3pxp", "JBSWY3DPEHPK3PXP"),
        ("JBSW-Y3DP-EHPK-3PXP====", "JBSWY3DPEHPK3PXP"),
        ("A" * 103, "A" * 103),  # 64 bytes, the longest
    ],
)
def test_keys_as_apps_show_them_are_stored_in_one_form(typed: str, stored: str) -> None:
    assert normalize_totp_secret(typed) == stored


@pytest.mark.parametrize(
    ("typed", "said"),
    [
        ("", "empty"),
        ("   ", "empty"),
        ("JBSWY3DPEHPK3PX", "16 to 103 characters long"),  # 15: under 80 bits
        ("A" * 104, "16 to 103 characters long"),
        ("A" * 17, "missing a character or has one too many"),  # not whole bytes
        ("JBSWY3DPEHPK3PX1", "only the letters A-Z and the digits 2-7"),
        ("JBSWY3DPEHPK3PXÉ", "only the letters A-Z and the digits 2-7"),
    ],
)
def test_anything_else_is_refused_without_repeating_it(typed: str, said: str) -> None:
    with pytest.raises(NotATotpSecret) as refused:
        normalize_totp_secret(typed)
    assert said in str(refused.value)
    assert not typed.strip() or typed.strip() not in str(refused.value)
