from __future__ import annotations

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.models import Client


class SandboxRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_clock_offset(self, client_id: str) -> int | None:
        """The client's current offset, read for update: concurrent moves queue on PostgreSQL
        (SQLite has one writer anyway), so none is lost."""
        query = select(Client.sandbox_clock_offset_seconds).where(Client.id == client_id)
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        offset = await self.session.scalar(query)
        return None if offset is None else int(offset)

    async def set_clock_offset(self, client_id: str, offset_seconds: int) -> None:
        await self.session.execute(
            update(Client)
            .where(Client.id == client_id)
            .values(sandbox_clock_offset_seconds=offset_seconds)
        )
