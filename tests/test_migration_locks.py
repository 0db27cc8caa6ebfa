"""Control 43: a PostgreSQL migration never queues the site behind its locks.

An ``ALTER TABLE`` waiting for its ACCESS EXCLUSIVE lock behind a long transaction makes every
later query of that table wait behind it. Migrations run with ``lock_timeout`` and
``statement_timeout`` (``kit/migrations.py``), so such a run fails within seconds, rolls back
everything it did and says what to do. Only PostgreSQL: SQLite has one writer and no lock queue
per table (its writers wait on ``busy_timeout``)."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
import sqlalchemy as sa
from alembic.operations import Operations
from alembic.runtime.migration import MigrationContext

from gridlink.kit import migrations
from gridlink.kit.db import Database
from gridlink.kit.migrations import (
    LOCK_TIMEOUT_SECONDS,
    MigrationTimeout,
    current_revision,
    revisions,
    upgrade_to,
)
from tests.conftest import DATABASES, PG_ADMIN_URL
from tests.migration_db import pg_scratch

pytestmark = pytest.mark.skipif(
    "postgresql" not in DATABASES, reason="lock_timeout is PostgreSQL's"
)

# Without the timeout the migration waits as long as the blocker: the test must fail, not hang.
BOUND = LOCK_TIMEOUT_SECONDS + 10
# 0010 alters connect_sessions first and login_failures later: holding login_failures shows
# that what the run had already done is rolled back too. Later migrations may leave that table
# alone, so the runs start just before 0010.
LOCKED_TABLE = "login_failures"
ALTERS_LOCKED_TABLE = "0010"
BEFORE = revisions()[revisions().index(ALTERS_LOCKED_TABLE) - 1]


@pytest.fixture
async def pg_url() -> AsyncIterator[str]:
    name = f"gridlink_migration_locks_{os.getpid()}"
    await pg_scratch(name, create=True)
    yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    await pg_scratch(name, create=False)


@pytest.fixture
async def at_previous(pg_url: str) -> AsyncIterator[Database]:
    """A database just before the migration that alters the locked table."""
    db = Database(pg_url)
    await upgrade_to(db, BEFORE)
    yield db
    await db.dispose()


async def _hold_lock(url: str) -> asyncpg.Connection:
    """Another session with an open transaction that has read the table (a long report, a
    transaction left open): it holds ACCESS SHARE until it ends."""
    blocker = await asyncpg.connect(url)
    await blocker.execute("BEGIN")
    await blocker.execute(f"LOCK TABLE {LOCKED_TABLE} IN ACCESS SHARE MODE")
    return blocker


def _columns(connection: sa.Connection, table: str) -> set[str]:
    return {column["name"] for column in sa.inspect(connection).get_columns(table)}


async def test_a_migration_behind_a_long_transaction_fails_fast_and_applies_nothing(
    at_previous: Database, pg_url: str
) -> None:
    previous = BEFORE
    blocker = await _hold_lock(pg_url)
    try:
        started = time.monotonic()
        with pytest.raises(MigrationTimeout) as caught:
            await asyncio.wait_for(upgrade_to(at_previous, "head"), timeout=BOUND)
        waited = time.monotonic() - started
    finally:
        await blocker.close()
    # It waited for the lock, then gave up (the upper bound is BOUND, above).
    assert waited >= LOCK_TIMEOUT_SECONDS - 0.5
    message = str(caught.value)
    assert "lock_timeout" in message
    assert "pg_stat_activity" in message
    assert "gridlink migrate" in message
    assert f"the database is at revision {previous}." in message
    # Nothing half-applied: the columns the run had added to connect_sessions before it reached
    # the locked table are gone with the rollback.
    assert await current_revision(at_previous) == previous
    async with at_previous.engine.connect() as connection:
        added = await connection.run_sync(_columns, "connect_sessions")
    assert "connect_token_id" not in added
    # And once the blocker is gone the same migration goes through.
    await upgrade_to(at_previous, "head")
    assert await current_revision(at_previous) == revisions()[-1]


async def test_the_timeouts_end_with_the_migration(at_previous: Database) -> None:
    """``SET LOCAL``: the pooled connection the migration used does not keep a 5 s lock
    timeout for the app's own queries."""
    await upgrade_to(at_previous, "head")
    async with at_previous.engine.connect() as connection:
        for setting in ("lock_timeout", "statement_timeout"):
            value = (await connection.exec_driver_sql(f"SHOW {setting}")).scalar()
            assert value == "0", setting


async def test_a_statement_running_too_long_is_stopped(
    at_previous: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A one-second ``statement_timeout`` (the real one is a minute) stops a step that runs
    longer, rolls it back and says so."""
    monkeypatch.setattr(migrations, "STATEMENT_TIMEOUT_SECONDS", 1)

    def slow_step(connection: sa.Connection) -> None:
        with connection.begin():  # as env.py does
            connection.exec_driver_sql("CREATE TABLE half_done (id integer)")
            connection.exec_driver_sql("SELECT pg_sleep(30)")

    with pytest.raises(MigrationTimeout, match=r"longer than 1 s \(statement_timeout\)"):
        await asyncio.wait_for(migrations._migrate(at_previous, slow_step), timeout=BOUND)
    async with at_previous.engine.connect() as connection:
        tables = await connection.run_sync(lambda c: sa.inspect(c).get_table_names())
    assert "half_done" not in tables


async def test_a_migration_can_build_an_index_concurrently_under_the_timeouts(
    at_previous: Database,
) -> None:
    """What the lint asks of an index on an existing table (test_migration_lint.py) is possible
    in our runner: a step leaves Alembic's transaction for ``CREATE INDEX CONCURRENTLY`` (which
    PostgreSQL refuses inside one), and the lock timeout still holds there."""
    seen: dict[str, str] = {}

    def step(connection: sa.Connection) -> None:
        context = MigrationContext.configure(connection)
        with context.begin_transaction():
            operations = Operations(context)
            with context.autocommit_block():
                assert context.connection is not None
                seen["lock_timeout"] = context.connection.exec_driver_sql(
                    "SHOW lock_timeout"
                ).scalar_one()
                operations.create_index(
                    "ix_clients_name_test", "clients", ["name"], postgresql_concurrently=True
                )

    await migrations._migrate(at_previous, step)
    assert seen == {"lock_timeout": f"{LOCK_TIMEOUT_SECONDS}s"}
    async with at_previous.engine.connect() as connection:
        indexes = await connection.run_sync(lambda c: sa.inspect(c).get_indexes("clients"))
    assert "ix_clients_name_test" in {index["name"] for index in indexes}


def test_gridlink_migrate_says_what_to_do_in_one_line(
    at_previous: Database, pg_url: str, tmp_path: Path
) -> None:
    async def hold() -> asyncpg.Connection:
        return await _hold_lock(pg_url)

    with asyncio.Runner() as runner:
        blocker = runner.run(hold())
        try:
            env = {
                **os.environ,
                "GRIDLINK_DATABASE_URL": pg_url,
                "GRIDLINK_DATA_DIR": str(tmp_path),
            }
            result = subprocess.run(
                [str(Path(sys.executable).parent / "gridlink"), "migrate"],
                env=env,
                capture_output=True,
                text=True,
                timeout=BOUND + 20,
                check=False,
            )
        finally:
            runner.run(blocker.close())
    assert result.returncode == 1
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("gridlink: error: migration stopped:")
    assert "lock_timeout" in result.stderr
