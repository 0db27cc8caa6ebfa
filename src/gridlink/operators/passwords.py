"""Operator passwords: Argon2id (argon2-cffi) with parameters written down here, not the
library's defaults, so an upgrade of the library never changes them behind our back.

RFC 9106 §4's second recommended option ("if much less memory is available"): 64 MiB, 3
passes, 4 lanes, a 16-byte salt, a 32-byte tag — a few tens of milliseconds per hash on a
server core, well above OWASP's floor (19 MiB, 2 passes). The parameters live in each stored
hash; a sign-in whose hash was made with other parameters stores a new one (``needs_rehash``),
so changing them here moves every operator over as they sign in.

Hashing runs in a worker thread: 64 MiB and tens of milliseconds must not stall the event loop.
An unknown email is checked against a dummy hash made with the same parameters, so a sign-in
takes the same time whether or not the email exists.
"""

from __future__ import annotations

import asyncio
import functools
from dataclasses import dataclass

from argon2 import PasswordHasher, Type
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

TIME_COST = 3
MEMORY_COST_KIB = 64 * 1024
PARALLELISM = 4
HASH_LEN = 32
SALT_LEN = 16

MIN_LENGTH = 12
MAX_LENGTH = 1024  # longer input is refused, not hashed: a megabyte "password" is an attack

HASHER = PasswordHasher(
    time_cost=TIME_COST,
    memory_cost=MEMORY_COST_KIB,
    parallelism=PARALLELISM,
    hash_len=HASH_LEN,
    salt_len=SALT_LEN,
    type=Type.ID,
)


class WeakPassword(ValueError):
    """A new password that is too short or too long; the message never repeats it."""


def check_new_password(password: str) -> None:
    if len(password) < MIN_LENGTH:
        raise WeakPassword(
            f"An operator password has at least {MIN_LENGTH} characters; use a longer one "
            "(a passphrase of several words is easiest to type)."
        )
    if len(password) > MAX_LENGTH:
        raise WeakPassword(f"An operator password has at most {MAX_LENGTH} characters.")


async def hash_password(password: str) -> str:
    check_new_password(password)
    return await asyncio.to_thread(HASHER.hash, password)


@dataclass(frozen=True)
class Verified:
    ok: bool
    needs_rehash: bool = False


def _verify(stored: str, password: str) -> Verified:
    try:
        HASHER.verify(stored, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return Verified(False)
    return Verified(True, HASHER.check_needs_rehash(stored))


async def verify_password(stored: str | None, password: str) -> Verified:
    """Whether ``password`` matches ``stored``; with ``stored`` None (no such operator) the
    same work is done against a dummy hash and the answer is no."""
    if len(password) > MAX_LENGTH:
        return Verified(False)
    if stored is None:
        await asyncio.to_thread(_verify, _dummy_hash(), password)
        return Verified(False)
    return await asyncio.to_thread(_verify, stored, password)


@functools.cache
def _dummy_hash() -> str:
    return HASHER.hash("no operator has this password: it only costs the same time")
