"""Authenticator-app setup keys (TOTP secrets, RFC 6238): what an end user may type, and the
one form Gridlink seals and hands to connectors.

Apps and utility sites show the key in base32 (RFC 4648: letters A-Z and digits 2-7), often in
lower case or in groups of four separated by spaces, sometimes with ``=`` padding: all of that
is accepted and removed. The key must decode to 10-64 bytes: 80 bits is the shortest key
authenticator apps accept (RFC 4226 asks for 128 and recommends 160), and nobody is shown a
key longer than 512 bits to type. Messages never repeat the key.
"""

from __future__ import annotations

import base64
import binascii
import re

# The vault field holding a key: sealed under the attempt that brought it, then under the
# utility credential it verified (like ``username`` and ``password``).
VAULT_FIELD = "totp_secret"
MIN_BYTES = 10
MAX_BYTES = 64
# What a person may type around the key: spaces between groups, hyphens, line breaks.
_SEPARATORS = re.compile(r"[\s\-]+")
_BASE32 = re.compile(r"^[A-Z2-7]+$")


class NotATotpSecret(ValueError):
    """Not a setup key; the message says what is wrong, never what was typed."""


def normalize_totp_secret(text: str) -> str:
    """The key in upper-case base32 without separators or padding, or ``NotATotpSecret``."""
    key = _SEPARATORS.sub("", text).upper().rstrip("=")
    if not key:
        raise NotATotpSecret("The setup key is empty.")
    if not _BASE32.match(key):
        raise NotATotpSecret(
            "A setup key has only the letters A-Z and the digits 2-7 (spaces are fine); "
            "this one has other characters."
        )
    try:
        raw = base64.b32decode(key + "=" * (-len(key) % 8))
    except binascii.Error:
        raise NotATotpSecret(
            "This setup key is missing a character or has one too many; copy it again."
        ) from None
    if not MIN_BYTES <= len(raw) <= MAX_BYTES:
        raise NotATotpSecret(
            f"A setup key is 16 to 103 characters long (without spaces); this one has {len(key)}."
        )
    return key
