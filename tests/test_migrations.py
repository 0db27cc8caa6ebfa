"""Control 43: every migration goes up, down and up again on both databases without losing a
row, and no migration drops or rewrites data in one step (expand/contract).

The round trip is data-bearing: after each upgrade a row is written into every table that
exists then (values made from each column's reflected type, foreign keys pointing at that
step's rows), and every later upgrade, downgrade and re-upgrade must keep every earlier row
with the values of every column that still exists. Migrations run only through
``gridlink.kit.migrations`` (the code path of `gridlink migrate` and of server start-up)."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
import sqlalchemy as sa

import gridlink.migrations
from gridlink.kit.db import Database
from gridlink.kit.migrations import (
    current_revision,
    downgrade_to,
    head_revision,
    revisions,
    upgrade_to,
)
from tests.migration_db import (  # noqa: F401 - fixtures
    Moves,
    Snapshot,
    assert_kept,
    empty_db,
    empty_url,
    in_transaction,
    reflect,
    take_snapshot,
    write_rows,
)

VERSIONS = Path(gridlink.migrations.__file__).parent / "versions"

# The one kind of rewrite the round trip accepts: an upgrade that moves a column's values into a
# new column of the same row and leaves the old one null (its downgrade moves them back). Keyed
# by revision: (table, column) → (the column the values move to, why).
MOVED: dict[str, dict[tuple[str, str], tuple[str, str]]] = {
    "0011": {
        ("utility_statements", "amount_due"): (
            "new_charges",
            "the stored amount_due was the sum of the current charges, never a balance: it is "
            "the new_charges, and the amount due is unknown (no release has shipped yet)",
        )
    }
}


def _moves(revision: str) -> Moves:
    return {key: target for key, (target, _why) in MOVED.get(revision, {}).items()}


def _read_write_read(connection: sa.Connection, step: int) -> tuple[Snapshot, Snapshot]:
    """The rows as the upgrade left them, then with this step's rows added: one transaction,
    one reflection (nothing changes the schema in between; reflecting is the slow part)."""
    metadata = reflect(connection)
    before = take_snapshot(connection, metadata)
    write_rows(connection, step, metadata)
    return before, take_snapshot(connection, metadata)


# The round trip --------------------------------------------------------------------------------


async def test_every_migration_goes_up_down_and_up_again_keeping_every_row(
    empty_db: Database,  # noqa: F811 - the fixture
) -> None:
    chain = revisions()
    assert chain[-1] == head_revision()
    snapshot: Snapshot = {}
    for step, revision in enumerate(chain):
        previous = chain[step - 1] if step else "base"
        before = snapshot
        moves = _moves(revision)
        await upgrade_to(empty_db, revision)
        after, snapshot = await in_transaction(empty_db, lambda c, s=step: _read_write_read(c, s))
        assert_kept(before, after, f"upgrade to {revision}", moves)

        await downgrade_to(empty_db, previous)
        assert await current_revision(empty_db) == (None if previous == "base" else previous)
        down = await in_transaction(empty_db, take_snapshot)
        assert_kept(snapshot, down, f"downgrade from {revision} to {previous}", moves)
        assert set(down) == set(before), f"downgrade to {previous} left other tables"

        await upgrade_to(empty_db, revision)
        again = await in_transaction(empty_db, take_snapshot)
        assert_kept(down, again, f"upgrade to {revision} again", moves)
        assert set(again) == set(snapshot)
        snapshot = again
    # One row from every step survives to the head, in every table that has been there since
    # (a table the newest migration creates lost its row with that migration's downgrade).
    for table, rows in snapshot.items():
        assert rows or table not in before, f"{table} has no row"
    # The first step's rows went with the downgrade to an empty schema; every later step's
    # client row is still there.
    assert len(snapshot["clients"]) == len(chain) - 1


async def test_a_real_loss_is_caught(empty_db: Database) -> None:  # noqa: F811
    """The comparison itself can fail: change one value and delete one row, and it says so."""
    await upgrade_to(empty_db, revisions()[0])
    await in_transaction(empty_db, lambda c: write_rows(c, 1))
    await in_transaction(empty_db, lambda c: write_rows(c, 2))
    before = await in_transaction(empty_db, take_snapshot)
    await in_transaction(
        empty_db, lambda c: c.execute(sa.text("UPDATE clients SET name = 'changed'"))
    )
    with pytest.raises(AssertionError, match=r"clients\.name .* changed"):
        assert_kept(before, await in_transaction(empty_db, take_snapshot), "test")
    before = await in_transaction(empty_db, take_snapshot)
    await in_transaction(
        empty_db, lambda c: c.execute(sa.text("DELETE FROM connect_tokens WHERE id LIKE 'conn%2'"))
    )
    with pytest.raises(AssertionError, match="connect_tokens lost row"):
        assert_kept(before, await in_transaction(empty_db, take_snapshot), "test")


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
_AMOUNT_DUE = (
    "utility_statements.amount_due " + MOVED["0011"][("utility_statements", "amount_due")][1]
)
ALLOWED: dict[tuple[str, str], str] = {
    (
        "0011_statement_details.py",
        "execute 'UPDATE utility_statements SET new_charges = amount_due, amo",
    ): _AMOUNT_DUE + "; the round trip checks the move (MOVED)",
    ("0011_statement_details.py", "alter_column 'amount_due' (nullable)"): (
        "NOT NULL relaxed: every insert of the previous schema still fits; " + _AMOUNT_DUE
    ),
}


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
