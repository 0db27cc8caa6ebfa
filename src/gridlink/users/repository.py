from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.kit.db import insert_or_ignore
from gridlink.kit.ids import new_id
from gridlink.models import User


class UserRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get(self, client_id: str, client_user_id: str) -> User | None:
        query = select(User).where(
            User.client_id == client_id, User.client_user_id == client_user_id
        )
        return await self.session.scalar(query)

    async def ensure_id(self, client_id: str, client_user_id: str, now: datetime) -> str:
        """The user's id, creating the user on first sight: one statement for a new user (the
        INSERT returns the id), two for a known one."""
        statement = (
            insert_or_ignore(self.session, User, ["client_id", "client_user_id"])
            .values(
                id=new_id("usr"), client_id=client_id, client_user_id=client_user_id, created_at=now
            )
            .returning(User.id)
        )
        created: str | None = (await self.session.execute(statement)).scalar_one_or_none()
        if created is not None:
            return created
        query = select(User.id).where(
            User.client_id == client_id, User.client_user_id == client_user_id
        )
        existing = await self.session.scalar(query)
        assert existing is not None
        return existing

    async def get_or_create(self, client_id: str, client_user_id: str, now: datetime) -> User:
        await self.ensure_id(client_id, client_user_id, now)
        user = await self.get(client_id, client_user_id)
        assert user is not None
        return user

    async def page(self, client_id: str, after: str | None, limit: int) -> list[User]:
        query = select(User).where(User.client_id == client_id)
        if after is not None:
            query = query.where(User.id > after)
        query = query.order_by(User.id).limit(limit + 1)
        return list((await self.session.scalars(query)).all())

    async def delete(self, client_id: str, client_user_id: str) -> bool:
        """Delete the user; its credentials and tokens go with it (ON DELETE CASCADE)."""
        result = await self.session.execute(
            delete(User).where(User.client_id == client_id, User.client_user_id == client_user_id)
        )
        return bool(getattr(result, "rowcount", 0))
