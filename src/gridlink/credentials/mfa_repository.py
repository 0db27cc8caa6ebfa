"""All SQL of the MFA session expiry check (credentials/mfa_expiry.py).

A claim reads a batch of candidate ids, then changes them with one conditional
``UPDATE ... RETURNING`` that repeats the conditions: a row changes only if it still matches,
so a credential is claimed by exactly one transaction however many checks run at once. On
PostgreSQL the candidates are read ``FOR UPDATE SKIP LOCKED``, so a second check skips the rows
the first one holds instead of queueing behind them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.models import Client, User, UtilityCredential

VERIFIED = "verified"
WHOLE_CHECK_LOCK = 0x6D66615F657870  # an arbitrary advisory lock key, "mfa_exp"


@dataclass(frozen=True)
class ClaimedCredential:
    id: str
    client_id: str
    user_id: str
    utility_id: str
    mfa_session_expires_at: datetime


@dataclass(frozen=True)
class ClockGroup:
    """Credentials of the clients whose clock runs ``offset_seconds`` ahead (optionally one
    client only): they share one utility-side "now"."""

    offset_seconds: int
    client_id: str | None = None


def _in_group(group: ClockGroup) -> ColumnElement[bool]:
    clients = select(Client.id).where(Client.sandbox_clock_offset_seconds == group.offset_seconds)
    if group.client_id is not None:
        clients = clients.where(Client.id == group.client_id)
    return UtilityCredential.client_id.in_(clients.scalar_subquery())


def _has_mfa_session() -> list[ColumnElement[bool]]:
    return [
        UtilityCredential.status == VERIFIED,
        UtilityCredential.mfa_session_expires_at.is_not(None),
    ]


class MfaSessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    @property
    def _locks_rows(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    async def try_lock_whole_check(self) -> bool:
        """On PostgreSQL, one full check at a time (a transaction-level advisory lock; False if
        another transaction holds it). Concurrent full checks would be correct anyway, but
        each records events for many clients, taking their event counters in different orders,
        which can deadlock. SQLite runs one writer at a time: always True."""
        if not self._locks_rows:
            return True
        statement = select(func.pg_try_advisory_xact_lock(WHOLE_CHECK_LOCK))
        return bool(await self.session.scalar(statement))

    async def clock_groups(self, client_id: str | None) -> list[ClockGroup]:
        """The distinct clock offsets of clients that have verified credentials with an MFA
        session (live clients all share offset 0)."""
        query = (
            select(Client.sandbox_clock_offset_seconds)
            .distinct()
            .join(UtilityCredential, UtilityCredential.client_id == Client.id)
            .where(*_has_mfa_session())
        )
        if client_id is not None:
            query = query.where(Client.id == client_id)
        offsets = (await self.session.scalars(query)).all()
        return [ClockGroup(int(offset), client_id) for offset in sorted(offsets)]

    async def _claim(
        self, conditions: Sequence[ColumnElement[bool]], values: dict[str, object], limit: int
    ) -> list[ClaimedCredential]:
        # Two statements, not UPDATE ... WHERE id IN (SELECT ... LIMIT n): PostgreSQL may run
        # such a subquery more than once and so update more than n rows.
        candidates = (
            select(UtilityCredential.id)
            .where(*conditions)
            .order_by(UtilityCredential.mfa_session_expires_at, UtilityCredential.id)
            .limit(limit)
        )
        if self._locks_rows:
            candidates = candidates.with_for_update(skip_locked=True)
        ids = list((await self.session.scalars(candidates)).all())
        if not ids:
            return []
        statement = (
            update(UtilityCredential)
            # The conditions again: a row that changed since it was read is left alone.
            .where(UtilityCredential.id.in_(ids), *conditions)
            .values(**values)
            .returning(
                UtilityCredential.id,
                UtilityCredential.client_id,
                UtilityCredential.user_id,
                UtilityCredential.utility_id,
                UtilityCredential.mfa_session_expires_at,
            )
            .execution_options(synchronize_session=False)
        )
        rows = (await self.session.execute(statement)).all()
        claimed = [
            ClaimedCredential(id_, client_id, user_id, utility_id, expires_at)
            for id_, client_id, user_id, utility_id, expires_at in rows
            if expires_at is not None  # always set: the conditions require it
        ]
        return sorted(claimed, key=lambda c: (c.mfa_session_expires_at, c.id))

    async def claim_expired(
        self,
        group: ClockGroup,
        utility_now: datetime,
        now: datetime,
        status_detail: str,
        limit: int,
    ) -> list[ClaimedCredential]:
        """Reject verified credentials whose MFA session has expired (utility time)."""
        conditions = [
            *_has_mfa_session(),
            UtilityCredential.mfa_session_expires_at <= utility_now,
            _in_group(group),
        ]
        values: dict[str, object] = {
            "status": "rejected",
            "status_detail": status_detail,
            "action_required": True,
            "updated_at": now,
        }
        return await self._claim(conditions, values, limit)

    async def claim_expiring(
        self,
        group: ClockGroup,
        utility_now: datetime,
        warn_until: datetime,
        now: datetime,
        limit: int,
    ) -> list[ClaimedCredential]:
        """Mark verified credentials whose MFA session ends in (utility_now, warn_until] and
        that were not warned about this session yet."""
        conditions = [
            *_has_mfa_session(),
            UtilityCredential.mfa_session_expires_at > utility_now,
            UtilityCredential.mfa_session_expires_at <= warn_until,
            UtilityCredential.mfa_expiring_notified_at.is_(None),
            _in_group(group),
        ]
        return await self._claim(conditions, {"mfa_expiring_notified_at": now}, limit)

    async def client_user_ids(self, user_ids: Sequence[str]) -> dict[str, str]:
        if not user_ids:
            return {}
        query = select(User.id, User.client_user_id).where(User.id.in_(set(user_ids)))
        return {
            user_id: client_user_id for user_id, client_user_id in await self.session.execute(query)
        }
