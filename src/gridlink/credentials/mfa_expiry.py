"""MFA session expiry: warn ahead, then ask the end user to verify again.

Some utilities hand out an MFA session (a "remember this device" token) that lasts weeks or
months; the engine stores it sealed with its expiry in ``mfa_session_expires_at``. This check
looks at verified credentials that have one, on each client's own utility-side clock (a
sandbox client's moved clock included, clients/clock.py):

- expiry within ``WARN_AHEAD`` (7 days) and not warned yet: ``utility_credential_mfa_expiring``
  (data: utility_id, expires_at) and ``mfa_expiring_notified_at`` is set. The engine clears
  that column when it stores a new MFA session, so each session is warned about once.
- expired: status ``rejected``, status_detail ``MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED``,
  action_required true, and ``utility_credential_mfa_refresh_required``. A credential that
  expires before it was warned (a clock moved far ahead) gets only this event.

Each change and its event are written in the caller's transaction, and each credential is
claimed by one conditional UPDATE, so the check is idempotent and safe to run in several
workers at once (on PostgreSQL a full check also skips its turn while another one runs).
Our own timestamps (``updated_at``, the notice time, event times) use the app's clock, not
the client's.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.clients.clock import client_clock
from gridlink.connectors.errors import MfaSessionExpired
from gridlink.credentials.mfa_repository import (
    ClaimedCredential,
    ClockGroup,
    MfaSessionRepository,
)
from gridlink.events.service import record_event
from gridlink.events.types import EventType
from gridlink.kit.clock import Clock

WARN_AHEAD = timedelta(days=7)
REFRESH_REQUIRED = MfaSessionExpired.status_detail  # MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED
BATCH_SIZE = 200
# One worker tick handles at most this many; the rest waits for the next tick (a minute), so
# a backlog never holds SQLite's single writer for long.
JOB_LIMIT = 1000


EXPIRED = EventType.UTILITY_CREDENTIAL_MFA_REFRESH_REQUIRED
EXPIRING = EventType.UTILITY_CREDENTIAL_MFA_EXPIRING


async def check_mfa_sessions(
    session: AsyncSession, clock: Clock, *, client_id: str | None = None, limit: int | None = None
) -> int:
    """Send the due expiries and warnings (for one client, or all); returns how many.

    ``clock`` is the app's clock; each client's offset is applied here. ``limit`` caps the
    credentials handled per call (None: all that are due).
    """
    repo = MfaSessionRepository(session)
    if client_id is None and not await repo.try_lock_whole_check():
        return 0  # another worker is running it right now
    done = 0
    for group in await repo.clock_groups(client_id):
        utility_now = client_clock(clock, group.offset_seconds).now()
        for kind in (EXPIRED, EXPIRING):  # expiries first: an expired session gets no warning
            left = None if limit is None else limit - done
            done += await _drain(session, clock, repo, kind, group, utility_now, left)
    return done


async def _drain(
    session: AsyncSession,
    clock: Clock,
    repo: MfaSessionRepository,
    kind: EventType,
    group: ClockGroup,
    utility_now: datetime,
    limit: int | None,
) -> int:
    done = 0
    while limit is None or done < limit:
        batch = BATCH_SIZE if limit is None else min(BATCH_SIZE, limit - done)
        if kind is EXPIRED:
            claimed = await repo.claim_expired(
                group, utility_now, clock.now(), REFRESH_REQUIRED, batch
            )
        else:
            claimed = await repo.claim_expiring(
                group, utility_now, utility_now + WARN_AHEAD, clock.now(), batch
            )
        await _record(session, clock, repo, kind, claimed)
        done += len(claimed)
        if len(claimed) < batch:
            break
    return done


async def run_job(session: AsyncSession, clock: Clock) -> int:
    """The worker's periodic job (worker/registry.py)."""
    return await check_mfa_sessions(session, clock, limit=JOB_LIMIT)


async def _record(
    session: AsyncSession,
    clock: Clock,
    repo: MfaSessionRepository,
    kind: EventType,
    claimed: list[ClaimedCredential],
) -> None:
    users = await repo.client_user_ids([c.user_id for c in claimed])
    for credential in claimed:
        if kind is EXPIRED:
            data: dict[str, object] = {
                "utility_id": credential.utility_id,
                "status": "rejected",
                "status_detail": REFRESH_REQUIRED,
                "action_required": True,
            }
        else:
            data = {
                "utility_id": credential.utility_id,
                "expires_at": credential.mfa_session_expires_at,
            }
        await record_event(
            session,
            clock,
            client_id=credential.client_id,
            type=kind,
            data=data,
            client_user_id=users[credential.user_id],
            utility_credential_id=credential.id,
        )
