"""Secrets we mint: client secrets, access tokens, connect tokens, authorization codes, operator
sessions.

Format: ``<kind>_<environment>_<body>``, e.g. ``glsk_live_3x...``. The body is 32 random bytes
(256 bits) in base62 followed by a 6-character base62 CRC32 of everything before it. The kind and
environment prefix make a leaked value easy to recognise and route to the right revocation; the
checksum lets scanners reject typos and random strings without asking us. Only SHA-256 digests
are stored: the values carry 256 bits of entropy, so a fast hash is enough (a slow password hash
would add nothing but latency).

Every check of a presented secret goes through ``present``: a malformed value is looked up too,
by a digest no stored token can have, so a refusal costs the same database work whatever was
wrong with the value (security control 36).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import zlib
from dataclasses import dataclass
from enum import StrEnum

_BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
_BODY_LEN = 43  # ceil(256 / log2(62))
_CHECK_LEN = 6


class TokenKind(StrEnum):
    CLIENT_SECRET = "glsk"  # noqa: S105
    ACCESS_TOKEN = "glat"  # noqa: S105
    CONNECT_TOKEN = "glct"  # noqa: S105
    AUTHORIZATION_CODE = "glac"
    CONNECT_SESSION = "glcs"
    CONNECT_LINK = "glcl"
    WIDGET_TOKEN = "glwt"  # noqa: S105
    OPERATOR_SESSION = "glos"  # the dashboard's session cookie (operators/sessions.py)


ENVIRONMENTS = ("sandbox", "live")

TOKEN_PATTERN = re.compile(
    rf"\bgl(?:sk|at|ct|ac|cs|cl|wt|os)_(?:sandbox|live)_[0-9A-Za-z]{{{_BODY_LEN + _CHECK_LEN}}}\b"
)


def _base62(value: int, width: int) -> str:
    out = []
    for _ in range(width):
        value, rem = divmod(value, 62)
        out.append(_BASE62[rem])
    return "".join(reversed(out))


def _checksum(text: str) -> str:
    return _base62(zlib.crc32(text.encode()), _CHECK_LEN)


def generate(kind: TokenKind, environment: str) -> str:
    if environment not in ENVIRONMENTS:
        raise ValueError(f"unknown environment {environment!r}")
    body = _base62(int.from_bytes(secrets.token_bytes(32), "big"), _BODY_LEN)
    head = f"{kind.value}_{environment}_{body}"
    return head + _checksum(head)


def parse(value: str, kind: TokenKind) -> str | None:
    """Return the token's environment if ``value`` is a well-formed token of ``kind``, else None."""
    if not TOKEN_PATTERN.fullmatch(value) or not value.startswith(kind.value + "_"):
        return None
    head, check = value[:-_CHECK_LEN], value[-_CHECK_LEN:]
    if not secrets.compare_digest(_checksum(head), check):
        return None
    return value.split("_", 2)[1]


def digest(value: str) -> str:
    """The stored form of a token: its SHA-256, hex."""
    return hashlib.sha256(value.encode()).hexdigest()


# Prefixed to a malformed value before hashing: stored digests are of values starting "gl", so
# no stored digest can equal one of these (short of a SHA-256 collision).
_UNMATCHABLE = b"malformed:"


@dataclass(frozen=True)
class Presented:
    """A secret as a caller presented it. ``digest``: what to look it up by, always; it cannot
    match when the value is malformed. ``environment``: the token's, or None when malformed
    (refuse then whatever the lookup found)."""

    digest: str
    environment: str | None


def present(value: str, kind: TokenKind, environment: str | None = None) -> Presented:
    """``value`` checked as a token of ``kind`` (and of ``environment``, when given).

    A malformed value (wrong kind or environment, length, alphabet or checksum) is not refused
    here: the caller looks it up like a well-formed one, so a refusal of either takes the same
    statements and an answer's timing says nothing about which it was."""
    parsed = parse(value, kind)
    if parsed is None or (environment is not None and parsed != environment):
        # surrogatepass: a JSON body can carry a lone surrogate, which plain UTF-8 refuses.
        raw = _UNMATCHABLE + value.encode("utf-8", "surrogatepass")
        return Presented(hashlib.sha256(raw).hexdigest(), None)
    return Presented(digest(value), parsed)
