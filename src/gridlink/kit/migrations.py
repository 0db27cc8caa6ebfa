"""Alembic, driven from code: ``gridlink migrate``, server start-up and tests share this path.

Migrations run on a connection we hand to Alembic (``config.attributes["connection"]``), so the
same code works inside a running event loop and on both databases.

On SQLite, foreign keys are off while a migration runs, and checked before it commits. SQLite
cannot alter most of a table in place, so Alembic's batch mode copies the table, drops the old
one and renames the copy; with foreign keys on, that DROP TABLE deletes every row first and
``ON DELETE CASCADE`` empties the child tables (altering ``utility_credentials`` in 0004 used to
delete every update-mode connect token). ``PRAGMA foreign_keys`` only changes outside a
transaction, hence the dance below (SQLite's documented procedure for schema changes).

On PostgreSQL, a migration waits at most ``LOCK_TIMEOUT_SECONDS`` for each lock and runs no
statement longer than ``STATEMENT_TIMEOUT_SECONDS`` (ADR 0014). An ``ALTER TABLE`` queued behind
a long transaction makes every later query of that table queue behind it: the site stops while
the migration waits. Failing fast instead rolls the run's transaction back (PostgreSQL's DDL is
transactional) and says what to do.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import cache

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError

from gridlink.kit.db import Database

# Constants, not settings: the cure for a lock timeout is to end the blocking transaction and
# run again, never a longer wait (every request to the table queues behind a waiting ALTER).
# A migration that truly needs a longer statement sets ``SET LOCAL statement_timeout`` itself.
LOCK_TIMEOUT_SECONDS = 5
# Above anything an expand-only step does on our tables; a statement that gets near it holds its
# lock all that time and should be a batched copy or a CONCURRENTLY index instead.
STATEMENT_TIMEOUT_SECONDS = 60
_LOCK_NOT_AVAILABLE = "55P03"
_QUERY_CANCELED = "57014"


def _config(connection: Connection | None = None) -> Config:
    config = Config()
    config.set_main_option("script_location", "gridlink:migrations")
    if connection is not None:
        config.attributes["connection"] = connection
    return config


@cache
def head_revision() -> str | None:
    return ScriptDirectory.from_config(_config()).get_current_head()


def revisions() -> list[str]:
    """Every revision, oldest first."""
    script = ScriptDirectory.from_config(_config())
    return [rev.revision for rev in reversed(list(script.walk_revisions()))]


async def upgrade_to_head(db: Database) -> None:
    await upgrade_to(db, "head")


async def upgrade_to(db: Database, revision: str) -> None:
    await _migrate(db, lambda connection: command.upgrade(_config(connection), revision))


async def downgrade_to(db: Database, revision: str) -> None:
    """Back to ``revision`` (``"base"``: an empty schema). For rollbacks of a bad deploy and for
    the round-trip test of every migration; data in what a migration added is lost."""
    await _migrate(db, lambda connection: command.downgrade(_config(connection), revision))


class ForeignKeyViolation(RuntimeError):
    """A migration left rows whose foreign keys point nowhere; it was rolled back."""


class MigrationTimeout(RuntimeError):
    """A PostgreSQL migration waited too long for a lock or ran too long; it was rolled back."""


class NoDirectConnection(RuntimeError):
    """Migrations need a connection of their own (session settings, CONCURRENTLY indexes),
    which PgBouncer in transaction mode does not give."""


async def _migrate(db: Database, step: Callable[[Connection], None]) -> None:
    engine = db.direct_engine
    if engine is None:
        raise NoDirectConnection(
            "Migrations cannot run through PgBouncer in transaction mode: set "
            "GRIDLINK_DATABASE_DIRECT_URL to PostgreSQL itself, or run `gridlink migrate` with "
            "GRIDLINK_DATABASE_URL pointing at PostgreSQL."
        )
    try:
        async with db.write_slot(write=True), engine.connect() as connection:
            await connection.run_sync(_run_sqlite if db.is_sqlite else _run_postgresql, step)
    except DBAPIError as exc:
        code = getattr(exc.orig, "sqlstate", None)
        if code not in (_LOCK_NOT_AVAILABLE, _QUERY_CANCELED):
            raise
        at = await current_revision(db)
        raise MigrationTimeout(_timeout_message(code, at)) from exc


def _timeout_message(code: str, revision: str | None) -> str:
    if code == _LOCK_NOT_AVAILABLE:
        what = (
            f"waited {LOCK_TIMEOUT_SECONDS} s for a table lock (lock_timeout) that another "
            "transaction holds"
        )
        todo = (
            "find the blocking session in pg_stat_activity (a long query or a transaction "
            "left open), let it finish or end it, and run `gridlink migrate` again"
        )
    else:
        what = f"a statement ran longer than {STATEMENT_TIMEOUT_SECONDS} s (statement_timeout)"
        todo = (
            "split the step (a batched copy, an index built CONCURRENTLY) or give that "
            "migration its own SET LOCAL statement_timeout"
        )
    return (
        f"migration stopped: {what}. Its transaction was rolled back; the database is at revision "
        f"{revision or 'base (empty)'}. To go on: {todo}."
    )


def _run_postgresql(connection: Connection, step: Callable[[Connection], None]) -> None:
    # For the session, not SET LOCAL in a transaction of ours: Alembic opens the transaction
    # itself (env.py), so a migration can leave it for an index built CONCURRENTLY
    # (``op.get_context().autocommit_block()``) and the timeouts still hold there.
    with connection.begin():
        connection.exec_driver_sql(f"SET lock_timeout = '{LOCK_TIMEOUT_SECONDS}s'")
        connection.exec_driver_sql(f"SET statement_timeout = '{STATEMENT_TIMEOUT_SECONDS}s'")
    try:
        step(connection)
    finally:
        _reset_timeouts(connection)


def _reset_timeouts(connection: Connection) -> None:
    """The pooled connection goes back to the app: without its migration timeouts, or not at
    all."""
    try:
        if connection.in_transaction():
            connection.rollback()
        with connection.begin():
            connection.exec_driver_sql("RESET lock_timeout")
            connection.exec_driver_sql("RESET statement_timeout")
    except DBAPIError:
        # Discarded, so nothing of the migration's settings can reach a request; the error
        # that broke the connection (if any) is already on its way up.
        connection.invalidate()


def _run_sqlite(connection: Connection, step: Callable[[Connection], None]) -> None:
    _outside_transaction(connection, "PRAGMA foreign_keys=OFF")
    try:
        with connection.begin():
            step(connection)
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").fetchall()
            if broken:
                raise ForeignKeyViolation(f"rows with dangling foreign keys: {broken[:5]}")
    finally:
        _outside_transaction(connection, "PRAGMA foreign_keys=ON")


def _outside_transaction(connection: Connection, pragma: str) -> None:
    # On the driver's connection: SQLAlchemy would open a transaction first, where SQLite
    # ignores this pragma. The driver runs in autocommit mode (kit/db.py).
    cursor = connection.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(pragma)
    finally:
        cursor.close()


async def current_revision(db: Database) -> str | None:
    def _current(connection: Connection) -> str | None:
        return MigrationContext.configure(connection).get_current_revision()

    async with db.engine.connect() as connection:
        return await connection.run_sync(_current)


async def is_current(db: Database) -> bool:
    return await current_revision(db) == head_revision()
