"""Database access: engines, transactions, and the dialect differences in one place.

SQLite (the embedded default) allows one writer at a time. Rather than let concurrent writers
fail with ``SQLITE_BUSY``, write transactions take an in-process lock and start with
``BEGIN IMMEDIATE``; read transactions start deferred and run in parallel under WAL. Another
process writing the same file (the CLI, a standalone worker) waits on ``busy_timeout``.
PostgreSQL needs none of this: each transaction is a plain ``BEGIN`` on a pooled connection.

Every process has its own connection pool, sized by ``PoolSettings`` (the settings choose them per
kind of process, ``cli_database.py``). Behind PgBouncer in transaction mode (``pooler=
"transaction"``) a server connection is ours only inside a transaction, so nothing may outlive
one: no prepared statement kept by name, no ``LISTEN`` (wake-ups then use ``direct_url``, a
connection that bypasses the pooler, or polling alone).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any, Literal

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


Pooler = Literal["none", "transaction"]


@dataclass(frozen=True)
class PoolSettings:
    """One process's connections: ``size`` kept open, up to ``overflow`` more while busy
    (closed on return), and how long a transaction waits for one before it fails."""

    size: int = 20
    overflow: int = 20
    timeout_seconds: float = 30.0

    @property
    def most(self) -> int:
        return self.size + self.overflow

    def engine_options(self) -> dict[str, Any]:
        return {
            "pool_size": self.size,
            "max_overflow": self.overflow,
            "pool_timeout": self.timeout_seconds,
            # A connection the server (or a restart) closed is found before a transaction
            # uses it, not as that transaction's error.
            "pool_pre_ping": True,
        }


def _unique_statement_name() -> str:
    return f"__asyncpg_{uuid.uuid4().hex}__"


def _postgresql_engine(url: str, pool: PoolSettings, pooler: Pooler) -> AsyncEngine:
    connect_args: dict[str, Any] = {}
    if pooler == "transaction":
        # PgBouncer hands each transaction any server connection: a statement prepared under a
        # name on one is unknown (or taken) on the next. Keep none by name, and name the ones
        # asyncpg must prepare uniquely (SQLAlchemy's documented PgBouncer recipe).
        connect_args = {
            "statement_cache_size": 0,
            "prepared_statement_cache_size": 0,
            "prepared_statement_name_func": _unique_statement_name,
        }
    return create_async_engine(url, connect_args=connect_args, **pool.engine_options())


def _sqlite_engine(url: str, begin_statement: str, pool: PoolSettings) -> AsyncEngine:
    # A pool big enough for the concurrent readers (long-polls): overflow connections are
    # closed on return, and a new SQLite connection costs a thread and its PRAGMAs.
    options = pool.engine_options()
    options.pop("pool_pre_ping")  # a file does not hang up
    engine = create_async_engine(url, connect_args={"timeout": 30}, **options)

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
    def __init__(
        self,
        url: str,
        *,
        pool: PoolSettings | None = None,
        pooler: Pooler = "none",
        direct_url: str | None = None,
    ) -> None:
        """``direct_url``: the same database without the pooler in between, for what must hold
        one server connection (``LISTEN``; migrations). Unset: ``url`` unless ``pooler`` is
        ``transaction``, where there is then no such connection."""
        self.url = normalize_url(url)
        self.dialect = make_url(self.url).get_backend_name()
        self.pool = pool or PoolSettings()
        self.pooler: Pooler = pooler if self.dialect == "postgresql" else "none"
        self._write_lock: asyncio.Lock | None = None
        self._direct_engine: AsyncEngine | None = None
        if self.dialect == "sqlite":
            self.engine = _sqlite_engine(self.url, "BEGIN IMMEDIATE", self.pool)
            self._read_engine = _sqlite_engine(self.url, "BEGIN", self.pool)
            self._write_lock = asyncio.Lock()
        elif self.dialect == "postgresql":
            self.engine = _postgresql_engine(self.url, self.pool, self.pooler)
            self._read_engine = self.engine
            if direct_url:
                # Few connections: one per LISTENing loop, one for a migration.
                self._direct_engine = _postgresql_engine(
                    normalize_url(direct_url), PoolSettings(size=1, overflow=4), "none"
                )
            elif self.pooler == "none":
                self._direct_engine = self.engine
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
    def direct_engine(self) -> AsyncEngine | None:
        """An engine whose connections are the server's own (not a transaction pooler's), or
        None when there is none (PgBouncer in transaction mode without ``direct_url``)."""
        return self._direct_engine if self.dialect == "postgresql" else self.engine

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
        if self._direct_engine is not None and self._direct_engine is not self.engine:
            await self._direct_engine.dispose()


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
