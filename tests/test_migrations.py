"""Control 43: every migration goes up, down and up again on both databases without losing a
row, and no migration drops or rewrites data in one step (expand/contract).

The round trip is data-bearing: after each upgrade a row is written into every table that
exists then (values made from each column's reflected type, foreign keys pointing at that
step's rows), and every later upgrade, downgrade and re-upgrade must keep every earlier row
with the values of every column that still exists. Migrations run only through
``gridlink.kit.migrations`` (the code path of `gridlink migrate` and of server start-up)."""

from __future__ import annotations

import ast
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

import gridlink.migrations
from gridlink.kit.db import Database
from gridlink.kit.migrations import (
    current_revision,
    downgrade_to,
    head_revision,
    revisions,
    upgrade_to,
)
from tests.conftest import DATABASES, PG_ADMIN_URL

VERSIONS = Path(gridlink.migrations.__file__).parent / "versions"
Snapshot = dict[str, dict[tuple[Any, ...], dict[str, Any]]]  # table → primary key → row


# Making rows from reflected types --------------------------------------------------------------


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


def _write_rows(connection: Connection, step: int) -> None:
    """One row in every table, parents first, each foreign key pointing at this step's row."""
    metadata = sa.MetaData()
    metadata.reflect(connection)
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


def _snapshot(connection: Connection) -> Snapshot:
    metadata = sa.MetaData()
    metadata.reflect(connection)
    snapshot: Snapshot = {}
    for table in metadata.sorted_tables:
        if table.name == "alembic_version":
            continue
        key = [c.name for c in table.primary_key.columns]
        rows = [dict(r._mapping) for r in connection.execute(table.select())]
        snapshot[table.name] = {tuple(r[k] for k in key): r for r in rows}
    return snapshot


def assert_kept(before: Snapshot, after: Snapshot, where: str) -> None:
    """Every row of ``before`` in a table that still exists is in ``after``, with the same
    value in every column that still exists."""
    for table, rows in before.items():
        if table not in after:
            continue  # a table the step removed (a downgrade past its creation)
        for key, row in rows.items():
            assert key in after[table], f"{where}: {table} lost row {key}"
            kept = after[table][key]
            for column, value in row.items():
                if column in kept:
                    assert kept[column] == value, f"{where}: {table}.{column} of {key} changed"


# The databases -----------------------------------------------------------------------------------


async def _pg_scratch(name: str, create: bool) -> None:
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
    asyncio.run(_pg_scratch(name, create=True))
    yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}".replace(
        "postgresql://", "postgresql+asyncpg://", 1
    )
    asyncio.run(_pg_scratch(name, create=False))


@pytest.fixture
async def empty_db(empty_url: str) -> AsyncIterator[Database]:
    db = Database(empty_url)
    yield db
    await db.dispose()


async def _run(db: Database, work: Any) -> Any:
    async with db.write_slot(write=True), db.engine.begin() as connection:
        return await connection.run_sync(work)


# The round trip --------------------------------------------------------------------------------


async def test_every_migration_goes_up_down_and_up_again_keeping_every_row(
    empty_db: Database,
) -> None:
    chain = revisions()
    assert chain[-1] == head_revision()
    snapshot: Snapshot = {}
    for step, revision in enumerate(chain):
        previous = chain[step - 1] if step else "base"
        before = snapshot
        await upgrade_to(empty_db, revision)
        assert_kept(before, await _run(empty_db, _snapshot), f"upgrade to {revision}")
        await _run(empty_db, lambda c, s=step: _write_rows(c, s))
        snapshot = await _run(empty_db, _snapshot)

        await downgrade_to(empty_db, previous)
        assert await current_revision(empty_db) == (None if previous == "base" else previous)
        down = await _run(empty_db, _snapshot)
        assert_kept(snapshot, down, f"downgrade from {revision} to {previous}")
        assert set(down) == set(before), f"downgrade to {previous} left other tables"

        await upgrade_to(empty_db, revision)
        again = await _run(empty_db, _snapshot)
        assert_kept(down, again, f"upgrade to {revision} again")
        assert set(again) == set(snapshot)
        snapshot = again
    # One row from every step survives to the head, in every table that has been there since
    # (a table the newest migration creates lost its row with that migration's downgrade).
    for table, rows in snapshot.items():
        assert rows or table not in before, f"{table} has no row"
    # The first step's rows went with the downgrade to an empty schema; every later step's
    # client row is still there.
    assert len(snapshot["clients"]) == len(chain) - 1


async def test_a_real_loss_is_caught(empty_db: Database) -> None:
    """The comparison itself can fail: change one value and delete one row, and it says so."""
    await upgrade_to(empty_db, revisions()[0])
    await _run(empty_db, lambda c: _write_rows(c, 1))
    await _run(empty_db, lambda c: _write_rows(c, 2))
    before = await _run(empty_db, _snapshot)
    await _run(empty_db, lambda c: c.execute(sa.text("UPDATE clients SET name = 'changed'")))
    with pytest.raises(AssertionError, match=r"clients\.name .* changed"):
        assert_kept(before, await _run(empty_db, _snapshot), "test")
    before = await _run(empty_db, _snapshot)
    await _run(
        empty_db, lambda c: c.execute(sa.text("DELETE FROM connect_tokens WHERE id LIKE 'conn%2'"))
    )
    with pytest.raises(AssertionError, match="connect_tokens lost row"):
        assert_kept(before, await _run(empty_db, _snapshot), "test")


# Expand/contract ---------------------------------------------------------------------------------

# Operations that lose or rewrite data, or break the previous release's code still running
# during a rolling deploy, when done in an upgrade. Each needs the expand/contract dance (add
# the new shape, copy, switch the code, and only in a later release drop the old shape) and an
# entry below saying so.
DESTRUCTIVE = frozenset({"drop_column", "drop_table", "rename_table"})
ALTER_ARGUMENTS = frozenset({"type_", "new_column_name", "nullable"})
DESTRUCTIVE_SQL = ("drop ", "delete ", "update ", "truncate ", "alter ")

# (migration file, "operation target") → why it is safe: the contract step of an expansion
# shipped in an earlier release, and the release that stopped using the old shape.
ALLOWED: dict[tuple[str, str], str] = {}


def destructive_operations(source: str) -> list[str]:
    """Destructive operations in the ``upgrade()`` of a migration's source."""
    found = []
    for node in ast.parse(source).body:
        if not (isinstance(node, ast.FunctionDef) and node.name == "upgrade"):
            continue
        for call in ast.walk(node):
            if not (isinstance(call, ast.Call) and isinstance(call.func, ast.Attribute)):
                continue
            name = call.func.attr
            target = ast.unparse(call.args[0]) if call.args else ""
            keywords = {k.arg for k in call.keywords}
            if name in DESTRUCTIVE:
                found.append(f"{name} {target}")
            elif name == "alter_column" and keywords & ALTER_ARGUMENTS:
                found.append(
                    f"alter_column {target} ({', '.join(sorted(keywords & ALTER_ARGUMENTS))})"
                )
            elif name == "execute" and call.args:
                sql = ast.unparse(call.args[0]).lower()
                if any(word in sql for word in DESTRUCTIVE_SQL):
                    found.append(f"execute {target[:60]}")
    return found


def test_no_migration_drops_or_rewrites_data_without_an_expand_contract_entry() -> None:
    files = sorted(VERSIONS.glob("[0-9]*.py"))
    assert len(files) == len(revisions())
    unexplained = []
    for path in files:
        for operation in destructive_operations(path.read_text()):
            if (path.name, operation) not in ALLOWED:
                unexplained.append(f"{path.name}: {operation}")
    assert unexplained == [], (
        "a migration drops or rewrites data in one step; split it into expand and contract "
        "releases and add the contract step to ALLOWED with its reason"
    )
    assert all(reason.strip() for reason in ALLOWED.values())


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("def upgrade():\n    op.drop_column('users', 'email')\n", ["drop_column 'users'"]),
        (
            "def upgrade():\n    with op.batch_alter_table('t') as b:\n"
            "        b.drop_column('c')\n",
            ["drop_column 'c'"],
        ),
        ("def upgrade():\n    op.drop_table('events')\n", ["drop_table 'events'"]),
        (
            "def upgrade():\n    op.alter_column('t', 'c', type_=sa.Integer())\n",
            ["alter_column 't' (type_)"],
        ),
        (
            "def upgrade():\n    op.alter_column('t', 'c', new_column_name='d')\n",
            ["alter_column 't' (new_column_name)"],
        ),
        ("def upgrade():\n    op.execute('DELETE FROM t')\n", ["execute 'DELETE FROM t'"]),
        ("def upgrade():\n    op.add_column('t', sa.Column('c', sa.String()))\n", []),
        ("def downgrade():\n    op.drop_table('events')\n", []),  # a downgrade undoes its own
    ],
)
def test_the_scan_sees_destructive_operations(source: str, expected: list[str]) -> None:
    assert destructive_operations(source) == expected
