"""All SQL of the operators domain: operators, their sessions, sign-in failures, audit entries."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.kit.keyring import key_id_of
from gridlink.models import (
    Client,
    Operator,
    OperatorAuditEntry,
    OperatorSession,
    OperatorSignInFailure,
)


class OperatorRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, operator: Operator) -> None:
        self.session.add(operator)

    async def by_email(self, email: str) -> Operator | None:
        found: Operator | None = await self.session.scalar(
            select(Operator).where(Operator.email == email)
        )
        return found

    async def by_id(self, operator_id: str) -> Operator | None:
        return await self.session.get(Operator, operator_id)

    async def listing(self) -> Sequence[Operator]:
        return (await self.session.scalars(select(Operator).order_by(Operator.email))).all()

    async def count(self) -> int:
        return int(await self.session.scalar(select(func.count()).select_from(Operator)) or 0)

    async def unknown_clients(self, client_ids: Sequence[str]) -> list[str]:
        known = set(
            (await self.session.scalars(select(Client.id).where(Client.id.in_(client_ids)))).all()
        )
        return [c for c in client_ids if c not in known]

    async def count_totp_by_sealing_key(self) -> dict[str, int]:
        """Sealed TOTP keys per key that sealed them (for `gridlink keys retire`)."""
        sealed = (
            await self.session.scalars(
                select(Operator.totp_secret_sealed).where(Operator.totp_secret_sealed.is_not(None))
            )
        ).all()
        return dict(Counter(key_id_of(bytes(value)) for value in sealed if value is not None))

    async def claim_totp_step(self, operator_id: str, step: int) -> bool:
        """Record ``step`` as the last accepted code's, unless one as late was accepted already
        (by a concurrent sign-in too: the condition is checked by the UPDATE itself)."""
        result = await self.session.execute(
            update(Operator)
            .where(
                Operator.id == operator_id,
                or_(Operator.totp_last_step.is_(None), Operator.totp_last_step < step),
            )
            .values(totp_last_step=step)
        )
        return bool(getattr(result, "rowcount", 0))


class SessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, row: OperatorSession) -> None:
        self.session.add(row)

    async def by_token_hash(self, token_hash: str) -> tuple[OperatorSession, Operator] | None:
        row = (
            await self.session.execute(
                select(OperatorSession, Operator)
                .join(Operator, Operator.id == OperatorSession.operator_id)
                .where(OperatorSession.token_hash == token_hash)
            )
        ).first()
        return (row[0], row[1]) if row else None

    async def touch(self, session_id: str, now: datetime, idle_expires_at: datetime) -> None:
        await self.session.execute(
            update(OperatorSession)
            .where(OperatorSession.id == session_id, OperatorSession.ended_at.is_(None))
            .values(last_seen_at=now, idle_expires_at=idle_expires_at)
        )

    async def end(self, session_id: str, now: datetime, reason: str) -> None:
        await self.session.execute(
            update(OperatorSession)
            .where(OperatorSession.id == session_id, OperatorSession.ended_at.is_(None))
            .values(ended_at=now, end_reason=reason)
        )

    async def end_all_for(self, operator_id: str, now: datetime, reason: str) -> int:
        result = await self.session.execute(
            update(OperatorSession)
            .where(OperatorSession.operator_id == operator_id, OperatorSession.ended_at.is_(None))
            .values(ended_at=now, end_reason=reason)
        )
        return int(getattr(result, "rowcount", 0))

    async def purge(self, before: datetime) -> int:
        """Sessions that ended, or could no longer be used, before ``before``."""
        result = await self.session.execute(
            delete(OperatorSession).where(
                or_(
                    OperatorSession.expires_at < before,
                    OperatorSession.idle_expires_at < before,
                    OperatorSession.ended_at < before,
                )
            )
        )
        return int(getattr(result, "rowcount", 0))


class FailureRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, failure: OperatorSignInFailure) -> None:
        self.session.add(failure)

    async def recent_by_email(self, email_hash: str, since: datetime, limit: int) -> list[datetime]:
        """The latest ``limit`` failures for the email since ``since``, newest first."""
        query = (
            select(OperatorSignInFailure.failed_at)
            .where(
                OperatorSignInFailure.email_hash == email_hash,
                OperatorSignInFailure.failed_at > since,
            )
            .order_by(OperatorSignInFailure.failed_at.desc())
            .limit(limit)
        )
        return list((await self.session.scalars(query)).all())

    async def recent_by_ip(self, ip: str, since: datetime, limit: int) -> list[datetime]:
        query = (
            select(OperatorSignInFailure.failed_at)
            .where(OperatorSignInFailure.ip == ip, OperatorSignInFailure.failed_at > since)
            .order_by(OperatorSignInFailure.failed_at.desc())
            .limit(limit)
        )
        return list((await self.session.scalars(query)).all())

    async def forget_email(self, email_hash: str) -> None:
        await self.session.execute(
            delete(OperatorSignInFailure).where(OperatorSignInFailure.email_hash == email_hash)
        )

    async def purge(self, before: datetime) -> int:
        result = await self.session.execute(
            delete(OperatorSignInFailure).where(OperatorSignInFailure.failed_at < before)
        )
        return int(getattr(result, "rowcount", 0))


class AuditRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    def add(self, entry: OperatorAuditEntry) -> None:
        self.session.add(entry)

    async def page(
        self, *, operator_id: str | None, action: str | None, before_id: str | None, limit: int
    ) -> Sequence[OperatorAuditEntry]:
        """Newest first (ids are time-ordered); ``limit`` rows after the cursor."""
        query = select(OperatorAuditEntry).order_by(OperatorAuditEntry.id.desc()).limit(limit)
        if operator_id is not None:
            query = query.where(OperatorAuditEntry.operator_id == operator_id)
        if action is not None:
            query = query.where(OperatorAuditEntry.action == action)
        if before_id is not None:
            query = query.where(OperatorAuditEntry.id < before_id)
        return (await self.session.scalars(query)).all()

    async def purge(self, before: datetime) -> int:
        result = await self.session.execute(
            delete(OperatorAuditEntry).where(OperatorAuditEntry.at < before)
        )
        return int(getattr(result, "rowcount", 0))
