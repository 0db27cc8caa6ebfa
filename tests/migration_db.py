"""Scratch databases for the migration tests, and rows made from whatever schema they have.

Rows are written from reflected tables (values from each column's type, foreign keys pointing
at the same step's rows), so the same code fills every revision of the schema, and writes as the
previous release would when handed the previous revision's reflected tables."""

from __future__ import annotations

import asyncio
import hashlib
import os
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import sqlalchemy as sa
from sqlalchemy import Connection

from gridlink.kit.db import Database
from tests.conftest import DATABASES, PG_ADMIN_URL

Snapshot = dict[str, dict[tuple[Any, ...], dict[str, Any]]]  # table → primary key → row
Moves = dict[tuple[str, str], str]  # (table, column) → the column its values moved to


# Rows from reflected types --------------------------------------------------------------


def _value(column: sa.Column[Any], step: int, table: str) -> Any:
    kind = column.type
    tag = f"{table[:12]}-{column.name[:12]}-{step}"
    if isinstance(kind, sa.Boolean):
        return step % 2 == 0
    if isinstance(kind, sa.Integer):
        return step * 1000 + len(column.name)
    if isinstance(kind, sa.DateTime):
        moment = datetime(2026, 1, 1, 12, 30, tzinfo=UTC) + timedelta(hours=step)
        return moment if kind.timezone else moment.replace(tzinfo=None)
    if isinstance(kind, sa.Date):
        return date(2026, 1, 1) + timedelta(days=step)
    if isinstance(kind, sa.JSON):
        return {"step": step, "column": column.name}
    if isinstance(kind, sa.LargeBinary):
        return tag.encode()
    if isinstance(kind, sa.Float):
        return step + 0.5
    if isinstance(kind, sa.Numeric):
        return Decimal(step) + Decimal("0.25")
    if isinstance(kind, sa.String):
        return tag[: kind.length] if kind.length else tag
    raise AssertionError(f"no test value for {table}.{column.name} of type {kind!r}")


def write_rows(connection: Connection, step: int, metadata: sa.MetaData | None = None) -> None:
    """One row in every table, parents first, each foreign key pointing at this step's row.
    ``metadata``: the tables as someone else knows them (the previous release); by default
    as they are now."""
    if metadata is None:
        metadata = reflect(connection)
    written: dict[str, dict[str, Any]] = {}
    for table in metadata.sorted_tables:
        if table.name == "alembic_version":
            continue
        row: dict[str, Any] = {}
        for column in table.columns:
            targets = [fk.column for fk in column.foreign_keys]
            if targets and targets[0].table.name in written:
                row[column.name] = written[targets[0].table.name][targets[0].name]
            elif targets:  # a reference the sort could not put first (a cycle)
                row[column.name] = None
            else:
                row[column.name] = _value(column, step, table.name)
        connection.execute(table.insert().values(row))
        written[table.name] = row


def reflect(connection: Connection) -> sa.MetaData:
    metadata = sa.MetaData()
    metadata.reflect(connection)
    return metadata


def take_snapshot(connection: Connection, metadata: sa.MetaData | None = None) -> Snapshot:
    """Every row of every table. ``metadata``: the tables as reflected earlier in the same
    transaction with no schema change since (reflection is most of a snapshot's cost)."""
    if metadata is None:
        metadata = reflect(connection)
    snapshot: Snapshot = {}
    for table in metadata.sorted_tables:
        if table.name == "alembic_version":
            continue
        key = [c.name for c in table.primary_key.columns]
        rows = [dict(r._mapping) for r in connection.execute(table.select())]
        snapshot[table.name] = {tuple(r[k] for k in key): r for r in rows}
    return snapshot


def assert_kept(before: Snapshot, after: Snapshot, where: str, moves: Moves | None = None) -> None:
    """Every row of ``before`` in a table that still exists is in ``after``, with the same
    value in every column that still exists. A column in ``moves`` may instead be null with
    its value in the column it moved to (an upgrade), or get it back from there (a
    downgrade): its value is read as the first of (it, its target) that is not null."""
    moves = moves or {}
    for table, rows in before.items():
        if table not in after:
            continue  # a table the step removed (a downgrade past its creation)
        for key, row in rows.items():
            assert key in after[table], f"{where}: {table} lost row {key}"
            kept = after[table][key]
            for column, value in row.items():
                if column not in kept:
                    continue
                target = moves.get((table, column))
                old, new = value, kept[column]
                if target is not None:
                    old = value if value is not None else row.get(target)
                    new = new if new is not None else kept.get(target)
                assert new == old, f"{where}: {table}.{column} of {key} changed"


# The databases -----------------------------------------------------------------------------------


async def pg_scratch(name: str, create: bool) -> None:
    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        if create:
            await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()


@pytest.fixture(params=DATABASES)
def empty_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database with no schema at all (not the session's migrated one)."""
    if request.param == "sqlite":
        yield f"sqlite+aiosqlite:///{tmp_path / 'migrations.db'}"
        return
    checkout = hashlib.sha256(str(Path(__file__).parent).encode()).hexdigest()[:6]
    name = f"gridlink_migrations_{checkout}_{os.getpid()}"
    asyncio.run(pg_scratch(name, create=True))
    yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}".replace(
        "postgresql://", "postgresql+asyncpg://", 1
    )
    asyncio.run(pg_scratch(name, create=False))


@pytest.fixture
async def empty_db(empty_url: str) -> AsyncIterator[Database]:
    db = Database(empty_url)
    yield db
    await db.dispose()


async def in_transaction(db: Database, work: Any) -> Any:
    """``work(connection)`` in one write transaction."""
    async with db.write_slot(write=True), db.engine.begin() as connection:
        return await connection.run_sync(work)
