"""Prefixed, time-ordered identifiers (``usr_01J...``).

The prefix says what an id names, so a misplaced id is obvious in logs and support requests.
The body is a ULID (48-bit millisecond time + 80 random bits, Crockford base32): ids sort by
creation time, which keeps cursor pagination and B-tree inserts cheap.
"""

from __future__ import annotations

import os
import re
import secrets
import socket
import time

_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _ulid() -> str:
    value = (time.time_ns() // 1_000_000) << 80 | int.from_bytes(os.urandom(10), "big")
    chars = []
    for _ in range(26):
        chars.append(_ALPHABET[value & 31])
        value >>= 5
    return "".join(reversed(chars))


def new_id(prefix: str) -> str:
    return f"{prefix}_{_ulid()}"


def new_worker_id() -> str:
    """Names a worker loop in lease columns: host and pid say where it runs (for operators), the
    random suffix keeps two loops of one process apart."""
    return f"{socket.gethostname()[:40]}:{os.getpid()}:{secrets.token_hex(3)}"


# Every id we mint: a lower-case prefix, "_", a ULID (the OpenAPI document declares this form).
ID_PATTERN = r"^[a-z][a-z0-9]{0,15}_[0-9A-Z]{26}$"
_ID_SHAPE = re.compile(ID_PATTERN)


def looks_like_id(value: str) -> bool:
    """Whether ``value`` could be an id we minted. Lookups skip the database for anything else
    (which also keeps bytes PostgreSQL refuses, such as NUL, out of queries)."""
    return _ID_SHAPE.fullmatch(value) is not None
