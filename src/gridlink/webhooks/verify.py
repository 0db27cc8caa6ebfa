"""``gridlink webhooks verify``: check a received webhook's signature while debugging a
receiver. Exit status 0: valid; 1: invalid (the reason is printed); 2: bad arguments."""

from __future__ import annotations

import sys
from collections.abc import Sequence
from pathlib import Path

from gridlink.webhooks.signing import InvalidSignature, verify

EXIT_VALID = 0
EXIT_INVALID = 1
EXIT_USAGE = 2


class UsageError(ValueError):
    pass


def parse_headers(values: Sequence[str]) -> dict[str, str]:
    """``["webhook-id: msg_1", ...]`` → a dict; raises UsageError on a line without ':'."""
    headers: dict[str, str] = {}
    for value in values:
        name, sep, content = value.partition(":")
        if not sep or not name.strip():
            raise UsageError(f"--header {value!r} is not 'name: value'")
        headers[name.strip().lower()] = content.strip()
    return headers


def read_body(path: str) -> bytes:
    """The exact bytes (``-`` reads stdin). Not stripped: one extra newline breaks the MAC."""
    if path == "-":
        return sys.stdin.buffer.read()
    try:
        return Path(path).read_bytes()
    except OSError as exc:
        raise UsageError(f"cannot read --body {path!r}: {exc.strerror}") from exc


def check(
    secret: str, header_values: Sequence[str], body: bytes, now: float, tolerance: int
) -> tuple[int, str]:
    """(exit status, message to print)."""
    try:
        verify(secret, parse_headers(header_values), body, now, tolerance)
    except UsageError as exc:
        return EXIT_USAGE, f"error: {exc}"
    except InvalidSignature as exc:
        return EXIT_INVALID, f"invalid: {exc}"
    return EXIT_VALID, "valid: the signature matches and the timestamp is recent"
