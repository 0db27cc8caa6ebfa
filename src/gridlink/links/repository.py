from __future__ import annotations

from datetime import datetime

from sqlalchemy import ColumnElement, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.models import ConnectLink


def _usable(now: datetime) -> list[ColumnElement[bool]]:
    return [
        ConnectLink.used_at.is_(None),
        ConnectLink.revoked_at.is_(None),
        ConnectLink.expires_at > now,
    ]


class ConnectLinkRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, link: ConnectLink) -> None:
        self.session.add(link)
        await self.session.flush()

    async def page_for_credential(
        self, client_id: str, credential_id: str, after: str | None, limit: int
    ) -> list[ConnectLink]:
        query = select(ConnectLink).where(
            ConnectLink.client_id == client_id, ConnectLink.credential_id == credential_id
        )
        if after is not None:
            query = query.where(ConnectLink.id > after)
        query = query.order_by(ConnectLink.id).limit(limit + 1)
        return list((await self.session.scalars(query)).all())

    async def usable_by_hash(
        self, token_hash: str, now: datetime, *, lock: bool = False
    ) -> ConnectLink | None:
        """``lock``: hold the row until the transaction ends (PostgreSQL; SQLite has one writer
        at a time), so opening, revoking and spending one link happen one after the other."""
        query = select(ConnectLink).where(ConnectLink.token_hash == token_hash, *_usable(now))
        if lock and self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        return await self.session.scalar(query.execution_options(populate_existing=True))

    async def lock(self, link_id: str) -> ConnectLink | None:
        return await self.session.get(
            ConnectLink,
            link_id,
            populate_existing=True,
            with_for_update=self.session.get_bind().dialect.name == "postgresql",
        )

    async def mark_used(self, link_id: str, now: datetime) -> bool:
        """Only a usable link changes (one conditional UPDATE: of two racing uses, one wins)."""
        result = await self.session.execute(
            update(ConnectLink)
            .where(ConnectLink.id == link_id, *_usable(now))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def revoke(self, client_id: str, link_id: str, now: datetime) -> bool:
        """A used link stays "used"; revoking twice keeps the first time."""
        result = await self.session.execute(
            update(ConnectLink)
            .where(
                ConnectLink.id == link_id,
                ConnectLink.client_id == client_id,
                ConnectLink.used_at.is_(None),
                ConnectLink.revoked_at.is_(None),
            )
            .values(revoked_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))
