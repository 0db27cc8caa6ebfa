from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.events.schemas import EventFilters
from gridlink.kit.db import dialect_insert
from gridlink.models import Client, Event, EventCounter


class EventRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def next_number(self, scope: str) -> int:
        """Increment the scope's counter and return the new value. On PostgreSQL the upsert
        locks the counter row until commit, so concurrent writers queue in commit order."""
        insert = dialect_insert(self.session, EventCounter)
        statement = (
            insert.values(scope=scope, value=1)
            .on_conflict_do_update(index_elements=["scope"], set_={"value": EventCounter.value + 1})
            .returning(EventCounter.value)
        )
        return int((await self.session.execute(statement)).scalar_one())

    async def add(self, event: Event) -> None:
        self.session.add(event)
        await self.session.flush()

    async def get(self, client_id: str, event_id: str) -> Event | None:
        query = select(Event).where(Event.id == event_id, Event.client_id == client_id)
        return await self.session.scalar(query)

    async def position_of(self, client_id: str, event_id: str) -> int | None:
        query = select(Event.position).where(Event.id == event_id, Event.client_id == client_id)
        return await self.session.scalar(query)

    async def page(
        self, client_id: str, filters: EventFilters, after_position: int | None, limit: int
    ) -> list[Event]:
        query = select(Event).where(Event.client_id == client_id)
        if after_position is not None:
            query = query.where(Event.position > after_position)
        if filters.type is not None:
            query = query.where(Event.type == filters.type.value)
        if filters.client_user_id is not None:
            query = query.where(Event.client_user_id == filters.client_user_id)
        if filters.utility_credential_id is not None:
            query = query.where(Event.utility_credential_id == filters.utility_credential_id)
        if filters.created_after is not None:
            query = query.where(Event.created_at > filters.created_after)
        query = query.order_by(Event.position).limit(limit + 1)
        return list((await self.session.scalars(query)).all())

    async def client_ids(self) -> list[str]:
        return list((await self.session.scalars(select(Client.id).order_by(Client.id))).all())

    async def last_position(self, client_id: str) -> int:
        query = select(func.max(Event.position)).where(Event.client_id == client_id)
        return int(await self.session.scalar(query) or 0)

    async def newer_than(self, client_id: str, position: int, limit: int) -> list[Event]:
        query = (
            select(Event)
            .where(Event.client_id == client_id, Event.position > position)
            .order_by(Event.position)
            .limit(limit)
        )
        return list((await self.session.scalars(query)).all())

    async def purge_created_before(self, cutoff: datetime) -> int:
        result = await self.session.execute(delete(Event).where(Event.created_at < cutoff))
        return int(getattr(result, "rowcount", 0) or 0)
