from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.kit.ids import new_id
from gridlink.models import (
    Client,
    ConnectionAttempt,
    ConnectSession,
    LoginFailure,
    MfaCodeEvent,
    User,
    UtilityAccount,
    UtilityCredential,
    UtilitySync,
)

TERMINAL = ("verified", "rejected", "timeout", "error", "pending", "cancelled")
RUNNING = ("connecting", "mfa_method", "mfa_code")
UNFINISHED = ("queued", *RUNNING)


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


class AttemptRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, attempt: ConnectionAttempt) -> None:
        self.session.add(attempt)
        await self.session.flush()

    async def get(self, attempt_id: str) -> ConnectionAttempt | None:
        return await self.session.get(ConnectionAttempt, attempt_id, populate_existing=True)

    async def for_session(self, session_id: str, attempt_id: str) -> ConnectionAttempt | None:
        return await self.session.scalar(
            select(ConnectionAttempt).where(
                ConnectionAttempt.id == attempt_id, ConnectionAttempt.session_id == session_id
            )
        )

    async def latest_for_session(self, session_id: str) -> ConnectionAttempt | None:
        return await self.session.scalar(
            select(ConnectionAttempt)
            .where(ConnectionAttempt.session_id == session_id)
            .order_by(ConnectionAttempt.id.desc())
            .limit(1)
        )

    async def unfinished_in_session(self, session_id: str) -> ConnectionAttempt | None:
        return await self.session.scalar(
            select(ConnectionAttempt).where(
                ConnectionAttempt.session_id == session_id,
                ConnectionAttempt.status.in_(UNFINISHED),
            )
        )

    async def unfinished_from_source(
        self, *, token_id: str | None, link_id: str | None
    ) -> ConnectionAttempt | None:
        """An unfinished attempt in any session the same connect token or link opened."""
        source = (
            ConnectSession.connect_token_id == token_id
            if token_id is not None
            else ConnectSession.connect_link_id == link_id
        )
        return await self.session.scalar(
            select(ConnectionAttempt)
            .join(ConnectSession, ConnectSession.id == ConnectionAttempt.session_id)
            .where(source, ConnectionAttempt.status.in_(UNFINISHED))
            .limit(1)
        )

    async def verified_in_session(self, session_id: str) -> bool:
        found = await self.session.scalar(
            select(ConnectionAttempt.id)
            .where(
                ConnectionAttempt.session_id == session_id, ConnectionAttempt.status == "verified"
            )
            .limit(1)
        )
        return found is not None

    async def claim_queued(
        self, owner: str, lease_until: datetime, now: datetime, limit: int
    ) -> list[str]:
        """Lease up to ``limit`` queued attempts to ``owner``; returns their ids."""
        query = (
            select(ConnectionAttempt.id)
            .where(ConnectionAttempt.status == "queued")
            .order_by(ConnectionAttempt.created_at)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        ids = list((await self.session.scalars(query)).all())
        if ids:
            await self.session.execute(
                update(ConnectionAttempt)
                .where(ConnectionAttempt.id.in_(ids), ConnectionAttempt.status == "queued")
                .values(
                    status="connecting",
                    lease_owner=owner,
                    lease_expires_at=lease_until,
                    updated_at=now,
                    seq=ConnectionAttempt.seq + 1,
                )
            )
        return ids

    async def renew_lease(self, attempt_id: str, owner: str, lease_until: datetime) -> bool:
        result = await self.session.execute(
            update(ConnectionAttempt)
            .where(ConnectionAttempt.id == attempt_id, ConnectionAttempt.lease_owner == owner)
            .values(lease_expires_at=lease_until)
        )
        return bool(getattr(result, "rowcount", 0))

    async def abandoned(self, now: datetime, limit: int) -> list[ConnectionAttempt]:
        """Unfinished attempts whose worker stopped renewing its lease (it died)."""
        query = (
            select(ConnectionAttempt)
            .where(
                ConnectionAttempt.status.in_(RUNNING),
                ConnectionAttempt.lease_expires_at < now,
            )
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list((await self.session.scalars(query)).all())

    async def lock_sync_of(self, credential_id: str) -> None:
        """Lock the credential's sync row, if it has one (PostgreSQL): taken before the
        credential's own lock, in the order the sync engine and deletions take them."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.scalars(
                select(UtilitySync.id)
                .where(UtilitySync.credential_id == credential_id)
                .with_for_update()
            )

    async def credential(
        self, credential_id: str, *, for_update: bool = False
    ) -> UtilityCredential | None:
        """``for_update``: lock the row while sealing its secrets, so a concurrent deletion
        (which destroys the vault record) cannot interleave with the seal."""
        return await self.session.get(
            UtilityCredential, credential_id, populate_existing=True, with_for_update=for_update
        )

    async def credential_for_login(
        self, user_id: str, utility_id: str, username_hash: str
    ) -> UtilityCredential | None:
        return await self.session.scalar(
            select(UtilityCredential)
            .where(
                UtilityCredential.user_id == user_id,
                UtilityCredential.utility_id == utility_id,
                UtilityCredential.username_hash == username_hash,
            )
            .order_by(UtilityCredential.id)
            .limit(1)
        )

    async def other_credential_for_login(
        self, user_id: str, utility_id: str, username_hash: str, except_id: str
    ) -> UtilityCredential | None:
        return await self.session.scalar(
            select(UtilityCredential)
            .where(
                UtilityCredential.user_id == user_id,
                UtilityCredential.utility_id == utility_id,
                UtilityCredential.username_hash == username_hash,
                UtilityCredential.id != except_id,
            )
            .limit(1)
        )

    async def add_credential(self, credential: UtilityCredential) -> None:
        self.session.add(credential)
        await self.session.flush()

    async def connect_session(self, session_id: str) -> ConnectSession | None:
        return await self.session.get(ConnectSession, session_id, populate_existing=True)

    async def client_offset(self, client_id: str) -> int:
        value = await self.session.scalar(
            select(Client.sandbox_clock_offset_seconds).where(Client.id == client_id)
        )
        return int(value or 0)

    async def client_environment(self, client_id: str) -> str:
        value = await self.session.scalar(select(Client.environment).where(Client.id == client_id))
        assert value is not None
        return value

    async def client_user_id(self, user_id: str) -> str:
        value = await self.session.scalar(select(User.client_user_id).where(User.id == user_id))
        assert value is not None
        return value

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

    async def purge_limit_rows(self, before: datetime) -> int:
        failures = await self.session.execute(
            delete(LoginFailure).where(LoginFailure.failed_at <= before)
        )
        codes = await self.session.execute(delete(MfaCodeEvent).where(MfaCodeEvent.at <= before))
        return int(getattr(failures, "rowcount", 0) or 0) + int(getattr(codes, "rowcount", 0) or 0)

    async def accounts(self, credential_id: str) -> list[UtilityAccount]:
        rows = await self.session.scalars(
            select(UtilityAccount)
            .where(UtilityAccount.credential_id == credential_id)
            .order_by(UtilityAccount.number)
        )
        return list(rows.all())
