from __future__ import annotations

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.models import WebhookEndpoint


class EndpointRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, endpoint: WebhookEndpoint) -> None:
        self.session.add(endpoint)
        await self.session.flush()

    async def get(self, client_id: str, endpoint_id: str) -> WebhookEndpoint | None:
        query = select(WebhookEndpoint).where(
            WebhookEndpoint.id == endpoint_id, WebhookEndpoint.client_id == client_id
        )
        return await self.session.scalar(query)

    async def count(self, client_id: str) -> int:
        query = select(func.count()).where(WebhookEndpoint.client_id == client_id)
        return int(await self.session.scalar(query) or 0)

    async def page(self, client_id: str, after: str | None, limit: int) -> list[WebhookEndpoint]:
        query = select(WebhookEndpoint).where(WebhookEndpoint.client_id == client_id)
        if after is not None:
            query = query.where(WebhookEndpoint.id > after)
        query = query.order_by(WebhookEndpoint.id).limit(limit + 1)
        return list((await self.session.scalars(query)).all())

    async def save(self, endpoint: WebhookEndpoint) -> None:
        self.session.add(endpoint)
        await self.session.flush()

    async def delete(self, client_id: str, endpoint_id: str) -> bool:
        result = await self.session.execute(
            delete(WebhookEndpoint).where(
                WebhookEndpoint.id == endpoint_id, WebhookEndpoint.client_id == client_id
            )
        )
        return bool(getattr(result, "rowcount", 0))
