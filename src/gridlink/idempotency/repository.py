from __future__ import annotations

from collections import Counter
from datetime import datetime

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.kit.db import insert_or_ignore
from gridlink.kit.keyring import key_id_of
from gridlink.models import IdempotencyKey


class IdempotencyRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def claim(self, record: IdempotencyKey) -> bool:
        """Insert the record unless the key exists. On PostgreSQL this waits for a concurrent
        request holding the same key to finish, so its saved response can be replayed."""
        values = {c.name: getattr(record, c.name) for c in IdempotencyKey.__table__.columns}
        statement = insert_or_ignore(self.session, IdempotencyKey, ["client_id", "key_hash"])
        result = await self.session.execute(statement.values(**values))
        return bool(getattr(result, "rowcount", 0))

    async def get(self, client_id: str, key_hash: str) -> IdempotencyKey | None:
        query = select(IdempotencyKey).where(
            IdempotencyKey.client_id == client_id, IdempotencyKey.key_hash == key_hash
        )
        return await self.session.scalar(query)

    async def save_response(self, record_id: str, status_code: int, sealed: bytes) -> None:
        await self.session.execute(
            update(IdempotencyKey)
            .where(IdempotencyKey.id == record_id)
            .values(status_code=status_code, response=sealed)
        )

    async def delete_expired(
        self, now: datetime, client_id: str | None = None, key_hash: str | None = None
    ) -> int:
        statement = delete(IdempotencyKey).where(IdempotencyKey.expires_at <= now)
        if client_id is not None and key_hash is not None:
            statement = statement.where(
                IdempotencyKey.client_id == client_id, IdempotencyKey.key_hash == key_hash
            )
        result = await self.session.execute(statement)
        return int(getattr(result, "rowcount", 0) or 0)

    async def count_by_sealing_key(self) -> dict[str, int]:
        """Saved responses per key that sealed them (for `gridlink keys retire`)."""
        query = select(func.substr(IdempotencyKey.response, 1, 48)).where(
            IdempotencyKey.response.is_not(None)
        )
        heads = (await self.session.scalars(query)).all()
        return dict(Counter(key_id_of(bytes(head)) for head in heads))
