"""Structural guards from STYLE.md, checked on the syntax tree of every module in src/gridlink.

- SQL (SQLAlchemy's select/insert/update/delete/text, and .execute/.scalar/.scalars calls) lives
  only in repositories (*/repository.py), kit/, models/ and migrations/.
- routes.py modules (HTTP only) never import a repository: they go through a service.
- Only the unit of work (kit/unit_of_work.py) and kit/db.py commit; everything else runs inside
  the transaction they own.

Each failure names the file and line. The last tests feed the checkers small snippets, so a
checker that stopped seeing anything would fail there instead of passing everywhere.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

import gridlink

SRC = Path(gridlink.__file__).parent
SQL_CONSTRUCTS = frozenset({"select", "insert", "update", "delete", "text"})
SQL_METHODS = frozenset({"execute", "scalar", "scalars"})
SQL_HOMES = ("kit/", "models/", "migrations/")
COMMITTERS = frozenset({"kit/unit_of_work.py", "kit/db.py"})

Finding = tuple[int, str]  # (line, what)


def _is_sqlalchemy(module: str) -> bool:
    return module == "sqlalchemy" or module.startswith("sqlalchemy.")


def _root_name(node: ast.expr) -> str | None:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def sql_uses(tree: ast.AST) -> Iterator[Finding]:
    """SQL statements built or run in ``tree``."""
    module_names: set[str] = set()  # local names bound to sqlalchemy modules
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module and _is_sqlalchemy(node.module):
            for alias in node.names:
                if alias.name in SQL_CONSTRUCTS:
                    yield node.lineno, f"imports {alias.name} from {node.module}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if _is_sqlalchemy(alias.name):
                    module_names.add(alias.asname or alias.name.split(".")[0])
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr in SQL_METHODS
        ):
            yield node.lineno, f"calls {ast.unparse(node.func)}()"
        elif (
            isinstance(node, ast.Attribute)
            and node.attr in SQL_CONSTRUCTS
            and _root_name(node.value) in module_names
        ):
            yield node.lineno, f"uses {ast.unparse(node)}"


def repository_imports(tree: ast.AST) -> Iterator[Finding]:
    """Imports of a repository module or class."""
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom):
            module = node.module or ""
            names = [alias.name for alias in node.names]
            if "repository" in module.split(".") or any(
                name == "repository" or name.endswith("Repository") for name in names
            ):
                yield node.lineno, f"imports {', '.join(names)} from {module or '.'}"
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if "repository" in alias.name.split("."):
                    yield node.lineno, f"imports {alias.name}"


def commits(tree: ast.AST) -> Iterator[Finding]:
    """``.commit(...)`` calls."""
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "commit"
        ):
            yield node.lineno, f"calls {ast.unparse(node.func)}()"


def _parse(source: str, filename: str = "<snippet>") -> ast.Module:
    return ast.parse(source, filename=filename)


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        yield relative, _parse(path.read_text(encoding="utf-8"), str(path))


MODULES = dict(_modules())


def _report(findings: list[tuple[str, int, str]], rule: str) -> str:
    lines = [f"src/gridlink/{path}:{line}: {what}" for path, line, what in findings]
    return f"{rule}:\n  " + "\n  ".join(lines)


def test_the_source_tree_is_found() -> None:
    assert {"app.py", "kit/db.py", "users/routes.py", "users/repository.py"} <= set(MODULES)


def test_sql_lives_in_repositories_kit_models_and_migrations() -> None:
    findings = [
        (path, line, what)
        for path, tree in MODULES.items()
        if not (path.endswith("repository.py") or path.startswith(SQL_HOMES))
        for line, what in sql_uses(tree)
    ]
    assert findings == [], _report(findings, "SQL outside a repository (move it into one)")


def test_routes_never_import_a_repository() -> None:
    findings = [
        (path, line, what)
        for path, tree in MODULES.items()
        if path.endswith("routes.py")
        for line, what in repository_imports(tree)
    ]
    assert findings == [], _report(findings, "routes.py importing a repository (use a service)")


def test_only_the_unit_of_work_commits() -> None:
    findings = [
        (path, line, what)
        for path, tree in MODULES.items()
        if path not in COMMITTERS
        for line, what in commits(tree)
    ]
    assert findings == [], _report(
        findings, "commit() outside kit/unit_of_work.py and kit/db.py (the edge commits)"
    )


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("from sqlalchemy import select\n", [(1, "imports select from sqlalchemy")]),
        (
            "from sqlalchemy.dialects.postgresql import insert\n",
            [(1, "imports insert from sqlalchemy.dialects.postgresql")],
        ),
        ("import sqlalchemy as sa\nq = sa.text('SELECT 1')\n", [(2, "uses sa.text")]),
        ("async def f(s):\n    await s.execute(q)\n", [(2, "calls s.execute()")]),
        ("async def f(s):\n    return await s.scalars(q)\n", [(2, "calls s.scalars()")]),
        ("from sqlalchemy import Select, func\nx = cursor.execute\n", []),
    ],
)
def test_the_sql_checker_sees_sql(source: str, expected: list[Finding]) -> None:
    assert list(sql_uses(_parse(source))) == expected


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (
            "from gridlink.users.repository import UserRepository\n",
            [(1, "imports UserRepository from gridlink.users.repository")],
        ),
        (
            "from gridlink.users import repository\n",
            [(1, "imports repository from gridlink.users")],
        ),
        ("import gridlink.users.repository as r\n", [(1, "imports gridlink.users.repository")]),
        ("from gridlink.users import service\n", []),
    ],
)
def test_the_import_checker_sees_repositories(source: str, expected: list[Finding]) -> None:
    assert list(repository_imports(_parse(source))) == expected


def test_the_commit_checker_sees_commits() -> None:
    source = "async def f(session):\n    await session.commit()\n    session.committed = 1\n"
    assert list(commits(_parse(source))) == [(2, "calls session.commit()")]
