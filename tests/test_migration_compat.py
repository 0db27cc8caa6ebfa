"""Control 43: during a rolling deploy the previous release keeps working on the new schema.

The previous release's code knows the schema of the previous revision: its models were that
schema (``test_the_models_match_the_migrated_schema`` holds every release to it). So for every
migration, the tables and columns one revision back must survive the upgrade unchanged in what
the old code relies on, and the old code's writes and reads, made from the old revision's
reflected tables, must still work on the new schema. A contract step (drop a column the
previous release no longer used) is listed in ``CONTRACTS`` with its reason."""

from __future__ import annotations

from typing import Any

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import Connection

from gridlink.kit.db import Database
from gridlink.kit.migrations import revisions, upgrade_to, upgrade_to_head
from gridlink.models import Base
from tests.migration_db import (  # noqa: F401 - fixtures
    empty_db,
    empty_url,
    in_transaction,
    reflect,
    write_rows,
)

# (revision, problem as compatibility_problems words it) → why the previous release does not
# mind: the release that stopped using the column or table, shipped before this revision.
CONTRACTS: dict[tuple[str, str], str] = {}


def compatibility_problems(old: sa.MetaData, new: sa.MetaData, dialect: sa.Dialect) -> list[str]:
    """What code written for ``old`` would trip over in ``new``."""
    problems = []
    for name, table in old.tables.items():
        if name == "alembic_version":
            continue
        if name not in new.tables:
            problems.append(f"table {name} dropped or renamed")
            continue
        now = new.tables[name].columns
        for column in table.columns:
            where = f"{name}.{column.name}"
            if column.name not in now:
                problems.append(f"{where} dropped or renamed")
                continue
            after = now[column.name]
            before_type = column.type.compile(dialect=dialect)
            after_type = after.type.compile(dialect=dialect)
            if before_type != after_type and not _widened(column.type, after.type):
                problems.append(f"{where} type {before_type} -> {after_type}")
            if column.nullable and not after.nullable:
                problems.append(f"{where} made NOT NULL")
        for column in now:
            if column.name not in table.columns and not _old_inserts_fill(column):
                problems.append(f"{name}.{column.name} added NOT NULL without a server default")
    return problems


def _widened(before: Any, after: Any) -> bool:
    """A longer string holds everything the shorter one did."""
    return (
        isinstance(before, sa.String)
        and isinstance(after, sa.String)
        and type(before) is type(after)
        and (after.length is None or (before.length is not None and after.length >= before.length))
    )


def _old_inserts_fill(column: sa.Column[Any]) -> bool:
    return column.nullable or column.server_default is not None or column.autoincrement is True


def old_release_writes_and_reads(connection: Connection, old: sa.MetaData, step: int) -> None:
    """A row in every table the old release knows, written and read back through the old
    release's columns only (an ``INSERT`` naming no new column, a ``SELECT`` of old ones)."""
    write_rows(connection, step, old)
    for table in old.sorted_tables:
        if table.name != "alembic_version":
            assert connection.execute(sa.select(*table.columns)).first() is not None, table.name


async def test_the_models_match_the_migrated_schema(
    empty_db: Database,  # noqa: F811 - the fixture
) -> None:
    """The head schema is what the app's models say, so the schema of a revision is what that
    release's code uses (the premise of the test below)."""
    await upgrade_to_head(empty_db)

    def differences(connection: Connection) -> list[Any]:
        context = MigrationContext.configure(connection, opts={"compare_type": True})
        return list(compare_metadata(context, Base.metadata))

    assert await in_transaction(empty_db, differences) == []


async def test_the_previous_release_writes_and_reads_on_every_new_schema(
    empty_db: Database,  # noqa: F811 - the fixture
) -> None:
    chain = revisions()
    seen: set[tuple[str, str]] = set()
    for step, revision in enumerate(chain[1:], start=1):
        await upgrade_to(empty_db, chain[step - 1])
        old = await in_transaction(empty_db, reflect)
        await upgrade_to(empty_db, revision)
        new = await in_transaction(empty_db, reflect)
        problems = compatibility_problems(old, new, empty_db.engine.dialect)
        seen |= {(revision, problem) for problem in problems}
        unexplained = [p for p in problems if (revision, p) not in CONTRACTS]
        assert unexplained == [], (
            f"{revision}: the previous release's code would break on this schema during a "
            "rolling deploy: expand now, contract in a later release (and list it in CONTRACTS)"
        )
        await in_transaction(
            empty_db, lambda c, o=old, s=step: old_release_writes_and_reads(c, o, s)
        )
    assert set(CONTRACTS) <= seen, "CONTRACTS lists a step that no longer happens"


# The check can fail --------------------------------------------------------------------------


def _widgets(metadata: sa.MetaData, *columns: sa.Column[Any], name: str = "widgets") -> None:
    sa.Table(name, metadata, sa.Column("id", sa.String(40), primary_key=True), *columns)


def _old(metadata: sa.MetaData) -> None:
    _widgets(
        metadata,
        sa.Column("name", sa.String(40), nullable=True),
        sa.Column("size", sa.Integer, nullable=False),
    )


# change → (the new schema, the problems seen, whether the old release's writes fail at once:
# None where the database decides, True on PostgreSQL only)
CHANGES: dict[str, tuple[Any, list[str], bool | None]] = {
    "renamed column": (
        lambda m: _widgets(m, sa.Column("title", sa.String(40)), sa.Column("size", sa.Integer)),
        ["widgets.name dropped or renamed"],
        True,
    ),
    "NOT NULL column without a default": (
        lambda m: _widgets(
            m,
            sa.Column("name", sa.String(40), nullable=True),
            sa.Column("size", sa.Integer, nullable=False),
            sa.Column("colour", sa.String(10), nullable=False),
        ),
        ["widgets.colour added NOT NULL without a server default"],
        True,
    ),
    "retyped column": (
        lambda m: _widgets(m, sa.Column("name", sa.Integer), sa.Column("size", sa.Integer)),
        ["widgets.name type VARCHAR(40) -> INTEGER"],
        None,  # SQLite stores the old release's string in an INTEGER column anyway
    ),
    "column made NOT NULL": (
        lambda m: _widgets(
            m, sa.Column("name", sa.String(40), nullable=False), sa.Column("size", sa.Integer)
        ),
        ["widgets.name made NOT NULL"],
        False,  # the old code writes a name here, but nothing stops it writing none
    ),
    "dropped table": (
        lambda m: _widgets(m, sa.Column("name", sa.String(40)), name="gadgets"),
        ["table widgets dropped or renamed"],
        True,
    ),
    "expand only": (
        lambda m: _widgets(
            m,
            sa.Column("name", sa.String(80), nullable=True),
            sa.Column("size", sa.Integer, nullable=False),
            sa.Column("colour", sa.String(10), nullable=True),
            sa.Column("shape", sa.String(10), nullable=False, server_default="round"),
        ),
        [],
        False,
    ),
}


@pytest.mark.parametrize("change", list(CHANGES))
async def test_the_check_sees_what_breaks_the_previous_release(
    empty_db: Database,  # noqa: F811 - the fixture
    change: str,
) -> None:
    build, expected, fails = CHANGES[change]

    def create(connection: Connection, make: Any) -> sa.MetaData:
        metadata = sa.MetaData()
        make(metadata)
        metadata.create_all(connection)
        return reflect(connection)

    old = await in_transaction(empty_db, lambda c: create(c, _old))
    await in_transaction(empty_db, lambda c: old.drop_all(c))
    new = await in_transaction(empty_db, lambda c: create(c, build))
    assert compatibility_problems(old, new, empty_db.engine.dialect) == expected
    if fails is None:
        fails = not empty_db.is_sqlite
    if fails:
        with pytest.raises(sa.exc.DBAPIError):
            await in_transaction(empty_db, lambda c: old_release_writes_and_reads(c, old, 1))
    else:
        await in_transaction(empty_db, lambda c: old_release_writes_and_reads(c, old, 1))
