"""All SQL of the vault: data keys and sealed fields."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import ColumnElement, bindparam, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.kit.db import insert_or_ignore, upsert
from gridlink.kit.keyring import key_id_of
from gridlink.models import DataKey, SealedSecret

SEALED_TO_KEY = b"\x02"  # envelope.FORMAT_SEALED_TO_KEY: a field sealed straight to a key pair


def _sealed_to_other_key(primary_id: str) -> ColumnElement[bool]:
    """Fields a seal-only process sealed to a key pair other than ``primary_id``."""
    own = SEALED_TO_KEY + primary_id.encode() + b"\0"
    column = SealedSecret.ciphertext
    return (func.substr(column, 1, 1) == SEALED_TO_KEY) & (func.substr(column, 1, len(own)) != own)


class VaultRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def data_key(self, client_id: str, record_id: str) -> DataKey | None:
        query = select(DataKey).where(
            DataKey.client_id == client_id, DataKey.record_id == record_id
        )
        return await self.session.scalar(query)

    async def add_data_key(self, row: DataKey) -> bool:
        """Insert unless the record already has a data key (a concurrent seal won)."""
        statement = insert_or_ignore(self.session, DataKey, ["client_id", "record_id"]).values(
            id=row.id,
            client_id=row.client_id,
            record_id=row.record_id,
            master_key_id=row.master_key_id,
            wrapped_key=row.wrapped_key,
            created_at=row.created_at,
            rewrapped_at=None,
        )
        result = await self.session.execute(statement)
        return bool(getattr(result, "rowcount", 0))

    async def put_field(
        self, data_key_id: str, field: str, ciphertext: bytes, now: datetime
    ) -> None:
        statement = upsert(
            self.session, SealedSecret, ["data_key_id", "field"], ["ciphertext", "updated_at"]
        )
        values = {
            "data_key_id": data_key_id,
            "field": field,
            "ciphertext": ciphertext,
            "created_at": now,
            "updated_at": now,
        }
        await self.session.execute(statement, [values])

    async def field(
        self, client_id: str, record_id: str, field: str
    ) -> tuple[DataKey, bytes] | None:
        query = (
            select(DataKey, SealedSecret.ciphertext)
            .join(SealedSecret, SealedSecret.data_key_id == DataKey.id)
            .where(
                DataKey.client_id == client_id,
                DataKey.record_id == record_id,
                SealedSecret.field == field,
            )
        )
        row = (await self.session.execute(query)).first()
        return (row[0], row[1]) if row is not None else None

    async def delete_record(self, client_id: str, record_id: str) -> bool:
        key_ids = select(DataKey.id).where(
            DataKey.client_id == client_id, DataKey.record_id == record_id
        )
        await self.session.execute(
            delete(SealedSecret).where(SealedSecret.data_key_id.in_(key_ids.scalar_subquery()))
        )
        result = await self.session.execute(
            delete(DataKey).where(DataKey.client_id == client_id, DataKey.record_id == record_id)
        )
        return bool(getattr(result, "rowcount", 0))

    # --- rotation -------------------------------------------------------------------------

    async def wrapped_elsewhere(self, primary_id: str, after_id: str, limit: int) -> list[DataKey]:
        """Data keys not wrapped under ``primary_id``, in id order after ``after_id``.

        On PostgreSQL the rows are locked and rows another re-wrapper holds are skipped."""
        query = (
            select(DataKey)
            .where(DataKey.master_key_id != primary_id, DataKey.id > after_id)
            .order_by(DataKey.id)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True)
        return list((await self.session.scalars(query)).all())

    async def replace_wrapping(
        self, changes: Sequence[tuple[str, str, str, bytes]], now: datetime
    ) -> int:
        """Apply (id, old master key id, new master key id, new wrapped key) changes; a row that
        was destroyed or re-wrapped meanwhile is left alone."""
        if not changes:
            return 0
        table = DataKey.metadata.tables[DataKey.__tablename__]
        statement = (
            update(table)
            .where(
                table.c.id == bindparam("key_id"),
                table.c.master_key_id == bindparam("old_master_key_id"),
            )
            .values(
                master_key_id=bindparam("new_master_key_id"),
                wrapped_key=bindparam("new_wrapped_key"),
                rewrapped_at=now,
            )
        )
        rows = [
            {
                "key_id": key_id,
                "old_master_key_id": old,
                "new_master_key_id": new,
                "new_wrapped_key": wrapped,
            }
            for key_id, old, new, wrapped in changes
        ]
        result = await self.session.execute(statement, rows)
        updated = int(getattr(result, "rowcount", -1))
        # asyncpg reports no row count for executemany. The rows are locked (FOR UPDATE on
        # PostgreSQL, the single writer on SQLite) since they were read, so all were updated.
        return updated if updated >= 0 else len(rows)

    async def count_by_master_key(self) -> dict[str, int]:
        query = select(DataKey.master_key_id, func.count()).group_by(DataKey.master_key_id)
        return {key_id: int(n) for key_id, n in (await self.session.execute(query)).all()}

    async def fields_sealed_elsewhere(
        self, primary_id: str, after: tuple[str, str], limit: int
    ) -> list[tuple[DataKey, str, bytes]]:
        """Fields sealed straight to a key pair other than ``primary_id``, with their data key,
        in (data key, field) order after ``after``; locked and skipping locked ones on
        PostgreSQL."""
        after_key, after_field = after
        query = (
            select(DataKey, SealedSecret.field, SealedSecret.ciphertext)
            .join(SealedSecret, SealedSecret.data_key_id == DataKey.id)
            .where(
                _sealed_to_other_key(primary_id),
                (SealedSecret.data_key_id > after_key)
                | ((SealedSecret.data_key_id == after_key) & (SealedSecret.field > after_field)),
            )
            .order_by(SealedSecret.data_key_id, SealedSecret.field)
            .limit(limit)
        )
        if self.session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update(skip_locked=True, of=SealedSecret)
        return [(row[0], row[1], row[2]) for row in (await self.session.execute(query)).all()]

    async def replace_field(
        self, data_key_id: str, field: str, old: bytes, new: bytes, now: datetime
    ) -> bool:
        """Compare-and-set: a field sealed again meanwhile keeps its newer value."""
        table = SealedSecret.metadata.tables[SealedSecret.__tablename__]
        result = await self.session.execute(
            update(table)
            .where(
                table.c.data_key_id == data_key_id,
                table.c.field == field,
                table.c.ciphertext == old,
            )
            .values(ciphertext=new, updated_at=now)
        )
        return bool(getattr(result, "rowcount", 0))

    async def count_fields_by_key_pair(self) -> dict[str, int]:
        """Fields sealed straight to a key pair, per key pair (few: a worker moves them under
        their data key when it re-wraps)."""
        column = SealedSecret.ciphertext
        query = select(func.substr(column, 1, 48)).where(func.substr(column, 1, 1) == SEALED_TO_KEY)
        heads = (await self.session.scalars(query)).all()
        return dict(Counter(key_id_of(bytes(head)[1:]) for head in heads))
