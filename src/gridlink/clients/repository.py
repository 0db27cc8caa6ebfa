from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.kit.db import insert_or_ignore
from gridlink.models import Client, ClientSecret


class ClientRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, client: Client, secret: ClientSecret) -> None:
        self.session.add(client)
        await self.session.flush()
        self.session.add(secret)
        await self.session.flush()

    async def add_if_absent(self, values: dict[str, Any]) -> None:
        """Insert a client with a fixed id unless it exists (two servers may start at once)."""
        await self.session.execute(insert_or_ignore(self.session, Client, ["id"]).values(values))

    async def add_secret(self, secret: ClientSecret) -> None:
        self.session.add(secret)
        await self.session.flush()

    async def get(self, client_id: str) -> Client | None:
        return await self.session.get(Client, client_id)

    async def connection_methods(self, client_id: str) -> list[str] | None:
        return await self.session.scalar(
            select(Client.connection_methods).where(Client.id == client_id)
        )

    async def save(self, client: Client) -> None:
        """Write the changes made to a client loaded with ``get``."""
        await self.session.flush()

    async def active_secret_count(self, client_id: str, now: datetime) -> int:
        query = select(func.count()).where(
            ClientSecret.client_id == client_id,
            or_(ClientSecret.expires_at.is_(None), ClientSecret.expires_at > now),
        )
        return int(await self.session.scalar(query) or 0)

    async def count(self, excluding: str = "") -> int:
        query = select(func.count()).select_from(Client).where(Client.id != excluding)
        return int(await self.session.scalar(query) or 0)

    async def first_sandbox_client(self, excluding: str = "") -> Client | None:
        query = (
            select(Client)
            .where(Client.environment == "sandbox", Client.id != excluding)
            .order_by(Client.id)
            .limit(1)
        )
        return await self.session.scalar(query)

    async def list_with_active_secret_counts(self, now: datetime) -> list[tuple[Client, int]]:
        active = (
            select(ClientSecret.client_id, func.count().label("n"))
            .where(or_(ClientSecret.expires_at.is_(None), ClientSecret.expires_at > now))
            .group_by(ClientSecret.client_id)
            .subquery()
        )
        query = (
            select(Client, func.coalesce(active.c.n, 0))
            .outerjoin(active, active.c.client_id == Client.id)
            .order_by(Client.id)
        )
        rows = await self.session.execute(query)
        return [(client, int(count)) for client, count in rows.all()]

    async def expire_active_secrets(
        self, client_id: str, expires_at: datetime, now: datetime
    ) -> None:
        """Secrets that would outlive ``expires_at`` now end then (earlier ends are kept)."""
        await self.session.execute(
            update(ClientSecret)
            .where(
                ClientSecret.client_id == client_id,
                or_(ClientSecret.expires_at.is_(None), ClientSecret.expires_at > expires_at),
            )
            .values(expires_at=expires_at)
        )
