from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.kit.keyring import key_id_of
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

    # --- key rotation (kit/vault/rotation.py passes) -------------------------------------

    async def sealed_elsewhere(
        self, primary_id: str, after_id: str, limit: int
    ) -> list[WebhookEndpoint]:
        """Endpoints with a secret sealed under a key other than ``primary_id``, in id order
        after ``after_id``; locked and skipping locked ones on PostgreSQL."""
        own = primary_id.encode() + b"\0"
        current, previous = WebhookEndpoint.secret_sealed, WebhookEndpoint.previous_secret_sealed
        query = (
            select(WebhookEndpoint)
            .where(
                WebhookEndpoint.id > after_id,
                (func.substr(current, 1, len(own)) != own)
                | (previous.is_not(None) & (func.substr(previous, 1, len(own)) != own)),
            )
            .order_by(WebhookEndpoint.id)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list((await self.session.scalars(query)).all())

    async def replace_sealed(
        self,
        endpoint: WebhookEndpoint,
        current: bytes,
        previous: bytes | None,
        now: datetime,
    ) -> bool:
        """Compare-and-set on both sealed values: a secret rotated meanwhile is left alone."""
        old_previous = endpoint.previous_secret_sealed
        result = await self.session.execute(
            update(WebhookEndpoint)
            .where(
                WebhookEndpoint.id == endpoint.id,
                WebhookEndpoint.secret_sealed == endpoint.secret_sealed,
                WebhookEndpoint.previous_secret_sealed.is_(None)
                if old_previous is None
                else WebhookEndpoint.previous_secret_sealed == old_previous,
            )
            .values(secret_sealed=current, previous_secret_sealed=previous, updated_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))

    async def count_by_sealing_key(self) -> dict[str, int]:
        """Signing secrets (current and previous) per key that sealed them."""
        query = select(
            func.substr(WebhookEndpoint.secret_sealed, 1, 48),
            func.substr(WebhookEndpoint.previous_secret_sealed, 1, 48),
        )
        heads = [h for row in (await self.session.execute(query)).all() for h in row if h]
        return dict(Counter(key_id_of(bytes(head)) for head in heads))

    async def delete(self, client_id: str, endpoint_id: str) -> bool:
        result = await self.session.execute(
            delete(WebhookEndpoint).where(
                WebhookEndpoint.id == endpoint_id, WebhookEndpoint.client_id == client_id
            )
        )
        return bool(getattr(result, "rowcount", 0))
