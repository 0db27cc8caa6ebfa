from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.models import (
    Client,
    ConnectSession,
    ConnectToken,
)


class ClientView(NamedTuple):
    """What a widget session needs of its client."""

    name: str
    environment: str
    clock_offset_seconds: int
    logo_url: str | None
    accent_color: str | None


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

    async def claim(self, token_hash: str, now: datetime) -> ConnectToken | None:
        """Mark an unused, unexpired token used and return it; None if it cannot be used.

        One conditional UPDATE, so two concurrent exchanges of one token cannot both win.
        """
        result = await self.session.execute(
            update(ConnectToken)
            .where(
                ConnectToken.token_hash == token_hash,
                ConnectToken.used_at.is_(None),
                ConnectToken.expires_at > now,
            )
            .values(used_at=now)
        )
        if not getattr(result, "rowcount", 0):
            return None
        return await self.session.scalar(
            select(ConnectToken).where(ConnectToken.token_hash == token_hash)
        )


class ConnectSessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, connect_session: ConnectSession) -> None:
        self.session.add(connect_session)
        await self.session.flush()

    async def by_hash(self, session_hash: str) -> ConnectSession | None:
        return await self.session.scalar(
            select(ConnectSession).where(ConnectSession.session_hash == session_hash)
        )

    async def get(self, session_id: str) -> ConnectSession | None:
        return await self.session.get(ConnectSession, session_id)

    async def claim_ticket(self, ticket_hash: str, now: datetime) -> ConnectSession | None:
        """Mark an unused, unexpired frame ticket used and return its session, else None.

        One conditional UPDATE, so a ticket replayed concurrently is traded only once.
        """
        result = await self.session.execute(
            update(ConnectSession)
            .where(
                ConnectSession.ticket_hash == ticket_hash,
                ConnectSession.ticket_used_at.is_(None),
                ConnectSession.ticket_expires_at > now,
            )
            .values(ticket_used_at=now)
        )
        if not getattr(result, "rowcount", 0):
            return None
        return await self.session.scalar(
            select(ConnectSession).where(ConnectSession.ticket_hash == ticket_hash)
        )

    async def client_origins(self, client_id: str) -> list[str] | None:
        """The client's registered origins, or None for an unknown client."""
        origins = await self.session.scalar(
            select(Client.allowed_origins).where(Client.id == client_id)
        )
        return None if origins is None else list(origins)

    async def client_page(self, client_id: str) -> tuple[list[str], str | None] | None:
        """(registered origins, logo URL) of a client, or None for an unknown client."""
        row = (
            await self.session.execute(
                select(Client.allowed_origins, Client.logo_url).where(Client.id == client_id)
            )
        ).first()
        return None if row is None else (list(row[0]), row[1])

    async def client_view(self, client_id: str) -> ClientView | None:
        row = (
            await self.session.execute(
                select(
                    Client.name,
                    Client.environment,
                    Client.sandbox_clock_offset_seconds,
                    Client.logo_url,
                    Client.accent_color,
                ).where(Client.id == client_id)
            )
        ).first()
        return None if row is None else ClientView(row[0], row[1], int(row[2]), row[3], row[4])
