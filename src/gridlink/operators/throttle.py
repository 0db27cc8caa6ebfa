"""Limits on dashboard sign-in failures: 5 per email and 20 per IP address in 15 minutes.

Per email stops guessing one operator's password (and the codes of one with TOTP) from many
addresses; per IP stops one address spraying many emails. Unknown emails are counted like known
ones, so the limit says nothing about which exist. A failure is a wrong password, an unknown or
disabled operator, or a wrong or reused TOTP code; a right password awaiting its code is not.
A successful sign-in forgets the email's failures (its owner is back), never the address's: an
attacker who holds one operator's password must not reset the count they spray other emails
under. Over a limit the sign-in is refused before the password is checked (``429
rate_limited``, ``Retry-After``: when the oldest counted failure leaves the window).

Why these numbers: an operator who mistypes five times waits at most 15 minutes; at 20 an
hour per email an online guess of a 12-character password is hopeless; NIST SP 800-63B allows
up to 100 consecutive failures per account, so this is well inside it. Concurrent sign-ins can
overshoot a limit by those already running, never more.
"""

from __future__ import annotations

import hashlib
import math
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.errors import RateLimited
from gridlink.kit.ids import new_id
from gridlink.models import OperatorSignInFailure
from gridlink.operators.repository import FailureRepository

WINDOW = timedelta(minutes=15)
PER_EMAIL = 5
PER_IP = 20

TOO_MANY = (
    "Too many failed sign-ins for this email or from this address. Wait {seconds} seconds "
    "(Retry-After) and try again, or ask an admin to reset the password with "
    "`gridlink operators reset-password`."
)


def email_hash(email: str) -> str:
    return hashlib.sha256(email.encode()).hexdigest()


async def check(session: AsyncSession, now: datetime, email: str, ip: str | None) -> None:
    """RateLimited when the email or the address is over its limit."""
    failures = FailureRepository(session)
    since = now - WINDOW
    waits = []
    by_email = await failures.recent_by_email(email_hash(email), since, PER_EMAIL)
    if len(by_email) >= PER_EMAIL:
        waits.append(_seconds_until(by_email[-1], now))
    if ip is not None:
        by_ip = await failures.recent_by_ip(ip, since, PER_IP)
        if len(by_ip) >= PER_IP:
            waits.append(_seconds_until(by_ip[-1], now))
    if waits:
        seconds = max(waits)
        raise RateLimited(TOO_MANY.format(seconds=seconds), retry_after=seconds)


def record_failure(session: AsyncSession, now: datetime, email: str, ip: str | None) -> None:
    FailureRepository(session).add(
        OperatorSignInFailure(id=new_id("osf"), email_hash=email_hash(email), ip=ip, failed_at=now)
    )


async def forget_email(session: AsyncSession, email: str) -> None:
    await FailureRepository(session).forget_email(email_hash(email))


async def purge_expired(session: AsyncSession, now: datetime) -> int:
    return await FailureRepository(session).purge(now - WINDOW)


def _seconds_until(oldest_counted: datetime, now: datetime) -> int:
    return max(1, math.ceil((oldest_counted + WINDOW - now).total_seconds()))
