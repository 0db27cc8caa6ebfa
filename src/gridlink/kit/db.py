"""Database access: engines, transactions, and the dialect differences in one place.

SQLite (the embedded default) allows one writer at a time. Rather than let concurrent writers
fail with ``SQLITE_BUSY``, write transactions take an in-process lock and start with
``BEGIN IMMEDIATE``; read transactions start deferred and run in parallel under WAL. Another
process writing the same file (the CLI, a standalone worker) waits on ``busy_timeout``.
PostgreSQL needs none of this: each transaction is a plain ``BEGIN`` on a pooled connection.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Callable
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)

SQLITE_PRAGMAS = (
    "PRAGMA journal_mode=WAL",
    "PRAGMA synchronous=NORMAL",
    "PRAGMA foreign_keys=ON",
    "PRAGMA busy_timeout=30000",
)


def normalize_url(url: str) -> str:
    """Accept the URL forms people paste and pick the async driver we ship."""
    parsed = make_url(url)
    driver = parsed.drivername
    if driver in ("postgres", "postgresql", "postgresql+psycopg", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif driver in ("sqlite", "sqlite+pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return parsed.render_as_string(hide_password=False)


def _sqlite_engine(url: str, begin_statement: str) -> AsyncEngine:
    # A pool big enough for the concurrent readers (long-polls): overflow connections are
    # closed on return, and a new SQLite connection costs a thread and its PRAGMAs.
    engine = create_async_engine(url, connect_args={"timeout": 30}, pool_size=20, max_overflow=20)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        # Take transaction control away from the sqlite3 module so BEGIN is ours to choose.
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        for pragma in SQLITE_PRAGMAS:
            cursor.execute(pragma)
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin_statement)

    return engine


class Database:
    def __init__(self, url: str) -> None:
        self.url = normalize_url(url)
        self.dialect = make_url(self.url).get_backend_name()
        self._write_lock: asyncio.Lock | None = None
        if self.dialect == "sqlite":
            self.engine = _sqlite_engine(self.url, "BEGIN IMMEDIATE")
            self._read_engine = _sqlite_engine(self.url, "BEGIN")
            self._write_lock = asyncio.Lock()
        elif self.dialect == "postgresql":
            self.engine = create_async_engine(self.url, pool_size=20, max_overflow=20)
            self._read_engine = self.engine
        else:
            raise ValueError(
                f"Unsupported database {self.dialect!r}: use sqlite+aiosqlite:/// or postgresql://"
            )
        self._writer = async_sessionmaker(self.engine, expire_on_commit=False)
        self._reader = async_sessionmaker(self._read_engine, expire_on_commit=False)

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @property
    def read_engine(self) -> AsyncEngine:
        """The engine of read transactions (the writer's own, except on SQLite)."""
        return self._read_engine

    def session_factory(self, *, write: bool) -> async_sessionmaker[AsyncSession]:
        return self._writer if write else self._reader

    @contextlib.asynccontextmanager
    async def write_slot(self, *, write: bool) -> AsyncIterator[None]:
        """Hold the SQLite writer slot for a write transaction; a no-op elsewhere."""
        if write and self._write_lock is not None:
            async with self._write_lock:
                yield
        else:
            yield

    @contextlib.asynccontextmanager
    async def transaction(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        """One unit of work: commits when the block ends, rolls back if it raises."""
        async with (
            self.write_slot(write=write),
            self.session_factory(write=write)() as session,
            session.begin(),
        ):
            yield session

    async def dispose(self) -> None:
        await self.engine.dispose()
        if self._read_engine is not self.engine:
            await self._read_engine.dispose()


def dialect_insert(session: AsyncSession, model: Any) -> Any:
    """An ``INSERT`` of the session's dialect, which offers ``on_conflict_do_*``."""
    if session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(model)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(model)


def insert_or_ignore(session: AsyncSession, model: Any, conflict_columns: list[str]) -> Any:
    """``INSERT ... ON CONFLICT (cols) DO NOTHING`` in the session's dialect."""
    return dialect_insert(session, model).on_conflict_do_nothing(index_elements=conflict_columns)


def upsert(
    session: AsyncSession,
    model: Any,
    conflict_columns: list[str],
    update_columns: list[str],
    *,
    only_if: Callable[[Any, Any], Any] | None = None,
) -> Any:
    """``INSERT ... ON CONFLICT (cols) DO UPDATE SET col = excluded.col`` in the session's dialect.

    ``only_if(table, excluded)`` returns a condition limiting which conflicting rows are updated
    (e.g. only when the incoming row is newer). Execute with a list of rows for a bulk upsert.
    """
    # The Core table, not the mapped class: a list of rows then takes the executemany path
    # instead of the ORM's per-row bulk-insert bookkeeping (several times faster).
    table = model.__table__
    bind = session.get_bind()
    if bind.dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        statement: Any = pg_insert(table)
    else:
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        statement = sqlite_insert(table)
    excluded = statement.excluded
    return statement.on_conflict_do_update(
        index_elements=conflict_columns,
        set_={name: excluded[name] for name in update_columns},
        where=only_if(table, excluded) if only_if is not None else None,
    )
