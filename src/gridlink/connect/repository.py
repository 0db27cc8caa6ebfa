from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.models import ConnectToken


class ConnectTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, token: ConnectToken) -> None:
        self.session.add(token)
        await self.session.flush()

    async def purge_expired(self, before: datetime) -> int:
        result = await self.session.execute(
            delete(ConnectToken).where(ConnectToken.expires_at <= before)
        )
        return int(getattr(result, "rowcount", 0) or 0)
