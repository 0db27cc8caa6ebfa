"""Control 43: no migration holds a busy table's lock for a whole scan or rewrite, checked in the
source of every ``upgrade()`` (the rules of squawk, a PostgreSQL migration linter, for our
Alembic operations: there is no offline SQL to give squawk itself).

On an existing table, PostgreSQL
- builds a plain index under a SHARE lock: no writes to the table until it is built
  (``postgresql_concurrently=True`` builds it without);
- checks a new foreign key, unique or check constraint by reading every row under a lock that
  blocks writes (a foreign key locks the table it points to as well);
- fails ``ADD COLUMN ... NOT NULL`` without a default as soon as the table has a row, and the
  previous release's inserts fail on it too;
- rewrites the whole table under ACCESS EXCLUSIVE for a column whose default must be computed
  per row (``now()``, ``gen_random_uuid()``): a constant default costs nothing since PG 11.
A table created in the same ``upgrade()`` is empty, so none of this applies to it.

Each such operation needs an entry in ``REVIEWED`` saying why the table is small enough."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import gridlink.migrations

VERSIONS = Path(gridlink.migrations.__file__).parent / "versions"
CONSTRAINTS = frozenset(
    {"create_foreign_key", "create_unique_constraint", "create_check_constraint"}
)
# Where the table is in ``op.<operation>(...)`` (``batch_op`` names it in its ``with``).
TABLE_ARGUMENT = {
    "add_column": (0, "table_name"),
    "create_index": (1, "table_name"),
    "create_foreign_key": (1, "source_table"),
    "create_unique_constraint": (1, "table_name"),
    "create_check_constraint": (1, "table_name"),
}

# Shipped before this scan existed. No release has shipped yet (CHANGELOG: Unreleased), so the
# first release brings 0001-0010 together and every database runs them on empty tables. Kept
# as exact entries: a new migration gets none of this, it follows the rules or gets its own
# reason. connect_sessions is never purged: its next index must be built CONCURRENTLY.
_FIRST_RELEASE = (
    "before the first release: the first upgrade of any database runs it on an empty table"
)
_PURGED = _FIRST_RELEASE + "; login_failures also keeps at most a day of rows (hourly purge)"
REVIEWED: dict[tuple[str, str], str] = {
    (
        "0005_frame_tickets.py",
        "create_unique_constraint uq_connect_sessions_ticket_hash on connect_sessions",
    ): _FIRST_RELEASE,
    **{
        ("0010_session_sources_and_limits.py", operation): _FIRST_RELEASE
        for operation in (
            "create_index ix_connect_sessions_connect_token_id on connect_sessions"
            " without CONCURRENTLY",
            "create_index ix_connect_sessions_connect_link_id on connect_sessions"
            " without CONCURRENTLY",
        )
    },
    **{
        ("0010_session_sources_and_limits.py", operation): _PURGED
        for operation in (
            "create_foreign_key fk_login_failures_client_id_clients on login_failures",
            "create_foreign_key fk_login_failures_user_id_users on login_failures",
            "create_index ix_login_failures_login on login_failures without CONCURRENTLY",
            "create_index ix_login_failures_user on login_failures without CONCURRENTLY",
            "create_index ix_login_failures_ip on login_failures without CONCURRENTLY",
            "create_index ix_login_failures_client on login_failures without CONCURRENTLY",
        )
    },
}


def blocking_operations(source: str) -> list[str]:
    """Operations in the ``upgrade()`` of a migration's source that lock an existing table for
    as long as a scan or rewrite of it takes, or fail on one that has rows."""
    upgrade = next(
        (
            n
            for n in ast.parse(source).body
            if isinstance(n, ast.FunctionDef) and n.name == "upgrade"
        ),
        None,
    )
    if upgrade is None:
        return []
    calls = [c for c in ast.walk(upgrade) if isinstance(c, ast.Call)]
    created = {_text(c.args[0]) for c in calls if _operation(c) == "create_table" and c.args}
    batches = _batch_tables(upgrade)
    found = []
    for call in calls:
        name = _operation(call)
        if name not in TABLE_ARGUMENT:
            continue
        table = _table(call, name, batches)
        if table in created:
            continue
        if name == "add_column":
            found += _column_problems(call, table)
        elif name == "create_index" and not _keyword_is_true(call, "postgresql_concurrently"):
            found.append(f"create_index {_text(call.args[0])} on {table} without CONCURRENTLY")
        elif name in CONSTRAINTS:
            found.append(f"{name} {_text(call.args[0])} on {table}")
    return found


def _operation(call: ast.Call) -> str | None:
    return call.func.attr if isinstance(call.func, ast.Attribute) else None


def _batch_tables(function: ast.FunctionDef) -> dict[int, str]:
    """Each call inside ``with op.batch_alter_table("t") as batch_op:`` → "t" (by ``id``:
    every block names its alias ``batch_op``; the innermost block wins)."""
    tables = {}
    for node in ast.walk(function):  # outer blocks come before the blocks inside them
        if not isinstance(node, ast.With):
            continue
        for item in node.items:
            call = item.context_expr
            if isinstance(call, ast.Call) and _operation(call) == "batch_alter_table":
                for statement in node.body:
                    for inner in ast.walk(statement):
                        tables[id(inner)] = _text(call.args[0])
    return tables


def _table(call: ast.Call, name: str, batches: dict[int, str]) -> str:
    if id(call) in batches and isinstance(call.func, ast.Attribute):
        receiver = call.func.value
        if not (isinstance(receiver, ast.Name) and receiver.id == "op"):
            return batches[id(call)]
    position, keyword = TABLE_ARGUMENT[name]
    for argument in call.keywords:
        if argument.arg == keyword:
            return _text(argument.value)
    return _text(call.args[position]) if len(call.args) > position else "?"


def _column_problems(call: ast.Call, table: str) -> list[str]:
    column = next(
        (a for a in call.args if isinstance(a, ast.Call) and _operation(a) == "Column"), None
    )
    if column is None:
        return [f"add_column on {table} (column not readable)"]
    where = f"{table}.{_text(column.args[0]) if column.args else '?'}"
    keywords = {k.arg: k.value for k in column.keywords}
    default = keywords.get("server_default")
    nullable = keywords.get("nullable")
    if default is None:
        if isinstance(nullable, ast.Constant) and nullable.value is False:
            return [f"add_column {where} NOT NULL without a server_default"]
        return []
    if _computed(default):
        return [f"add_column {where} with a computed server_default"]
    return []


def _computed(default: ast.expr) -> bool:
    """``sa.func.now()``, ``sa.text("gen_random_uuid()")``: a value per row, not a constant
    (``"0"``, ``sa.false()``, ``sa.text("'{}'")``)."""
    if isinstance(default, ast.Constant):
        return False
    source = ast.unparse(default)
    if ".func." in source or source.startswith("func."):
        return True
    if isinstance(default, ast.Call) and _operation(default) == "text" and default.args:
        return "(" in _text(default.args[0])
    return False


def _keyword_is_true(call: ast.Call, name: str) -> bool:
    return any(
        k.arg == name and isinstance(k.value, ast.Constant) and k.value.value is True
        for k in call.keywords
    )


def _text(node: ast.expr) -> str:
    """A literal's value; ``op.f("name")`` → ``name``; other expressions as written."""
    if isinstance(node, ast.Constant):
        return str(node.value)
    if isinstance(node, ast.Call) and _operation(node) == "f" and node.args:
        return _text(node.args[0])
    return ast.unparse(node)


def test_no_migration_locks_a_busy_table_for_a_scan_without_a_review() -> None:
    files = sorted(VERSIONS.glob("[0-9]*.py"))
    assert files
    seen = set()
    unreviewed = []
    for path in files:
        for operation in blocking_operations(path.read_text()):
            seen.add((path.name, operation))
            if (path.name, operation) not in REVIEWED:
                unreviewed.append(f"{path.name}: {operation}")
    assert unreviewed == [], (
        "a migration blocks writes to an existing table for a scan or rewrite of it on "
        "PostgreSQL (or fails on one with rows): build the index CONCURRENTLY, add the column "
        "nullable or with a constant default, or add an entry to REVIEWED saying why the table "
        "is small enough"
    )
    assert set(REVIEWED) <= seen, "REVIEWED lists an operation no migration does any more"
    assert all(reason.strip() for reason in REVIEWED.values())


UPGRADE = "def upgrade():\n"


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        (
            "    op.create_index('ix_t_a', 't', ['a'])\n",
            ["create_index ix_t_a on t without CONCURRENTLY"],
        ),
        (
            "    with op.batch_alter_table('t') as b:\n"
            "        b.create_index(b.f('ix_t_a'), ['a'], unique=False)\n",
            ["create_index ix_t_a on t without CONCURRENTLY"],
        ),
        ("    op.create_index('ix_t_a', 't', ['a'], postgresql_concurrently=True)\n", []),
        (
            "    with op.batch_alter_table('t') as b:\n"
            "        b.create_foreign_key('fk_t_u', 'u', ['u_id'], ['id'])\n",
            ["create_foreign_key fk_t_u on t"],
        ),
        (
            "    op.create_unique_constraint('uq_t_a', 't', ['a'])\n",
            ["create_unique_constraint uq_t_a on t"],
        ),
        (
            "    op.create_check_constraint('ck_t_a', 't', 'a > 0')\n",
            ["create_check_constraint ck_t_a on t"],
        ),
        (
            "    op.add_column('t', sa.Column('a', sa.Integer(), nullable=False))\n",
            ["add_column t.a NOT NULL without a server_default"],
        ),
        (
            "    with op.batch_alter_table('t') as b:\n"
            "        b.add_column(sa.Column('a', sa.DateTime(), nullable=False,"
            " server_default=sa.func.now()))\n",
            ["add_column t.a with a computed server_default"],
        ),
        (
            "    op.add_column('t', sa.Column('a', sa.String(), server_default="
            "sa.text('gen_random_uuid()')))\n",
            ["add_column t.a with a computed server_default"],
        ),
        # Fine: nullable, a constant default, and anything on a table made in the same upgrade.
        ("    op.add_column('t', sa.Column('a', sa.Integer()))\n", []),
        (
            "    op.add_column('t', sa.Column('a', sa.Integer(), nullable=False,"
            " server_default='0'))\n",
            [],
        ),
        (
            "    op.create_table('n', sa.Column('id', sa.Integer()))\n"
            "    with op.batch_alter_table('n') as b:\n"
            "        b.create_index('ix_n_id', ['id'])\n"
            "        b.create_foreign_key('fk_n_t', 't', ['id'], ['id'])\n",
            [],
        ),
    ],
    ids=[
        "index",
        "index in a batch",
        "index built concurrently",
        "foreign key",
        "unique constraint",
        "check constraint",
        "NOT NULL column without a default",
        "default from a function",
        "default from SQL text",
        "nullable column",
        "constant default",
        "a table made in the same upgrade",
    ],
)
def test_the_scan_sees_operations_that_lock_a_table(body: str, expected: list[str]) -> None:
    assert blocking_operations(UPGRADE + body) == expected


def test_a_downgrade_is_not_scanned() -> None:
    assert blocking_operations("def downgrade():\n    op.create_index('ix', 't', ['a'])\n") == []
