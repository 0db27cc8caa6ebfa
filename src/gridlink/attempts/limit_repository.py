"""All SQL of the abuse limits (attempts/limits.py): failed sign-ins and MFA code events."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.kit.ids import new_id
from gridlink.models import LoginFailure, MfaCodeEvent


@dataclass(frozen=True)
class LimitKey:
    """What one abuse limit counts by: always a client, narrowed by whichever fields are set."""

    client_id: str
    utility_id: str | None = None
    username_hash: str | None = None
    user_id: str | None = None
    ip: str | None = None


def _failure_filter(key: LimitKey) -> list[ColumnElement[bool]]:
    found = [LoginFailure.client_id == key.client_id]
    if key.utility_id is not None:
        found.append(LoginFailure.utility_id == key.utility_id)
    if key.username_hash is not None:
        found.append(LoginFailure.username_hash == key.username_hash)
    if key.user_id is not None:
        found.append(LoginFailure.user_id == key.user_id)
    if key.ip is not None:
        found.append(LoginFailure.ip == key.ip)
    return found


class LimitRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def failure_times(self, key: LimitKey, since: datetime, limit: int) -> list[datetime]:
        """The newest ``limit`` failed sign-ins matching ``key`` after ``since``, newest first
        (as many as the limit needs: the count, and when the oldest of them leaves the window)."""
        rows = await self.session.scalars(
            select(LoginFailure.failed_at)
            .where(*_failure_filter(key), LoginFailure.failed_at > since)
            .order_by(LoginFailure.failed_at.desc())
            .limit(limit)
        )
        return list(rows.all())

    async def add_failure(
        self,
        *,
        client_id: str,
        user_id: str,
        utility_id: str,
        username_hash: str,
        ip: str | None,
        now: datetime,
    ) -> None:
        self.session.add(
            LoginFailure(
                id=new_id("lf"),
                client_id=client_id,
                user_id=user_id,
                utility_id=utility_id,
                username_hash=username_hash,
                ip=ip,
                failed_at=now,
            )
        )
        await self.session.flush()

    async def clear_failures(self, client_id: str, utility_id: str, username_hash: str) -> None:
        """The right password was given: earlier failures of this login stop counting."""
        await self.session.execute(
            delete(LoginFailure).where(
                LoginFailure.client_id == client_id,
                LoginFailure.utility_id == utility_id,
                LoginFailure.username_hash == username_hash,
            )
        )

    async def mfa_times(
        self, key: LimitKey, kind: str, since: datetime, limit: int
    ) -> list[datetime]:
        """The newest ``limit`` code events of ``kind`` for the login ``key`` after ``since``."""
        assert key.utility_id is not None
        assert key.username_hash is not None
        query = select(MfaCodeEvent.at).where(
            MfaCodeEvent.client_id == key.client_id,
            MfaCodeEvent.utility_id == key.utility_id,
            MfaCodeEvent.username_hash == key.username_hash,
            MfaCodeEvent.kind == kind,
            MfaCodeEvent.at > since,
        )
        if key.user_id is not None:
            query = query.where(MfaCodeEvent.user_id == key.user_id)
        rows = await self.session.scalars(query.order_by(MfaCodeEvent.at.desc()).limit(limit))
        return list(rows.all())

    async def add_mfa_event(
        self,
        *,
        kind: str,
        client_id: str,
        user_id: str,
        utility_id: str,
        username_hash: str,
        now: datetime,
    ) -> None:
        self.session.add(
            MfaCodeEvent(
                id=new_id("mfe"),
                kind=kind,
                client_id=client_id,
                user_id=user_id,
                utility_id=utility_id,
                username_hash=username_hash,
                at=now,
            )
        )
        await self.session.flush()

    async def purge(self, before: datetime) -> int:
        failures = await self.session.execute(
            delete(LoginFailure).where(LoginFailure.failed_at <= before)
        )
        codes = await self.session.execute(delete(MfaCodeEvent).where(MfaCodeEvent.at <= before))
        return int(getattr(failures, "rowcount", 0) or 0) + int(getattr(codes, "rowcount", 0) or 0)
