"""Abuse limits on utility sign-ins, so guessing stops long before a utility locks the account.

- 3 failed sign-ins per connect session, then the session is done (open Connect again);
- 5 failed sign-ins per (utility, username) in 24 hours, across clients and sessions;
- 5 MFA codes per challenge (enforced by the engine, whatever the connector allows).
"""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.attempts.repository import AttemptRepository
from gridlink.errors import RateLimited
from gridlink.kit.clock import Clock
from gridlink.models import ConnectSession

MAX_FAILED_PER_SESSION = 3
MAX_FAILED_PER_LOGIN = 5
LOGIN_WINDOW = timedelta(hours=24)
MAX_MFA_CODES = 5
FAILURE_STATUS_DETAILS = frozenset({"INVALID_CREDENTIALS", "ACCOUNT_LOCKED"})


async def purge_expired(session: AsyncSession, clock: Clock) -> int:
    """Failures older than the window no longer count; a worker job removes them."""
    return await AttemptRepository(session).purge_failures(clock.now() - LOGIN_WINDOW)


def username_hash(utility_id: str, username: str) -> str:
    """Identifies a login without keeping the username in clear outside the vault."""
    normalized = username.strip().lower()
    return hashlib.sha256(f"gridlink-login\0{utility_id}\0{normalized}".encode()).hexdigest()


async def check(
    repo: AttemptRepository,
    connect_session: ConnectSession,
    utility_id: str,
    login_hash: str | None,
    now: datetime,
) -> None:
    if connect_session.failed_logins >= MAX_FAILED_PER_SESSION:
        raise RateLimited(
            "Too many failed sign-ins in this session. Close Connect and open it again from the "
            "app; check your password on the utility's website first.",
            retry_after=0,
        )
    if login_hash is None:
        return
    failures = await repo.recent_failures(utility_id, login_hash, now - LOGIN_WINDOW)
    if failures >= MAX_FAILED_PER_LOGIN:
        raise RateLimited(
            "Too many failed sign-ins for this username today. To avoid locking your utility "
            "account, wait a day, or reset your password on the utility's website first.",
            retry_after=int(LOGIN_WINDOW.total_seconds()),
        )
