from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.models import (
    Client,
    ConnectionAttempt,
    ConnectSession,
    User,
    UtilityAccount,
    UtilityCredential,
    UtilitySync,
)

TERMINAL = ("verified", "rejected", "timeout", "error", "pending", "cancelled")
RUNNING = ("connecting", "mfa_method", "mfa_code")
UNFINISHED = ("queued", *RUNNING)


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
        self, user_id: str, utility_id: str, username_hash: str, *, except_id: str | None = None
    ) -> UtilityCredential | None:
        """The end user's credential for this login (the oldest), other than ``except_id``."""
        query = select(UtilityCredential).where(
            UtilityCredential.user_id == user_id,
            UtilityCredential.utility_id == utility_id,
            UtilityCredential.username_hash == username_hash,
        )
        if except_id is not None:
            query = query.where(UtilityCredential.id != except_id)
        return await self.session.scalar(query.order_by(UtilityCredential.id).limit(1))

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

    async def accounts(self, credential_id: str) -> list[UtilityAccount]:
        rows = await self.session.scalars(
            select(UtilityAccount)
            .where(UtilityAccount.credential_id == credential_id)
            .order_by(UtilityAccount.number)
        )
        return list(rows.all())
