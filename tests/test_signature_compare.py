"""Control 3 (security.md): signatures, MACs, digests and secret hashes are compared with
``hmac.compare_digest``, never with ``==``/``!=``, whose time depends on how many leading bytes
match (a timing oracle that lets an attacker build a valid signature byte by byte).

This walks the syntax tree of every module in src/gridlink and reports each ``==``/``!=`` one of
whose operands is named like a secret value, or is a local name bound (in the same function) to
one: in webhooks/signing.py the MACs are called ``expected`` and ``given``, which only the
bindings (``expected = _mac(...)``, ``given = b64decode(encoded)``) show. It stays precise so it
can stay strict:
- a comparison with a literal or an ALL_CAPS constant is not a secret check (``== None``, a
  version string, a prefix, the sandbox's fixed passwords) and is left alone;
- a SQLAlchemy column comparison (``Model.token_hash == x``, ``table.c.x == y``,
  ``bindparam(...)``) builds SQL: the database looks the hash of a high-entropy token up in an
  index, which reveals nothing useful about the token (that is why tokens are stored hashed);
- ``hash`` counts only beside a word that makes it a credential's hash (``token_hash``,
  ``code_hash``), not for identifiers such as ``username_hash`` or ``request_hash``;
- ``len(signature) == len(other)`` compares lengths, which ``compare_digest`` leaks too.
The last tests feed the checker snippets, so a checker that stopped seeing anything fails there.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Iterator
from pathlib import Path

import pytest

import gridlink

SRC = Path(gridlink.__file__).parent
# A word that alone makes a value secret material.
SECRET_WORDS = frozenset(
    {
        "signature",
        "signatures",
        "sig",
        "sigs",
        "digest",
        "hexdigest",
        "mac",
        "macs",
        "hmac",
        "secret",
        "secrets",
        "password",
    }
)
# ``hash`` is secret material when it is the hash of one of these (token_hash, code_hash, ...).
HASHED_CREDENTIALS = frozenset({"token", "secret", "code", "session", "ticket", "password", "key"})
SHAPE_FUNCTIONS = frozenset({"len", "type", "isinstance"})  # compare sizes or types, not bytes
NOT_SECRET_RESULTS = SHAPE_FUNCTIONS | {"compare_digest", "bool"}
# Functions whose result is still the secret they are given (decoded, re-encoded, cleaned).
TRANSFORMS = frozenset(
    {
        "b64decode",
        "b64encode",
        "urlsafe_b64decode",
        "urlsafe_b64encode",
        "fromhex",
        "str",
        "bytes",
        "bytearray",
    }
)
SQL_HELPERS = frozenset({"bindparam", "literal", "column"})

Finding = tuple[int, str]  # (line, the comparison)


def words(identifier: str) -> set[str]:
    """``expectedSignature`` / ``webhook-signature`` / ``token_hash`` → their lowercase words."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", identifier).lower()
    return {word for word in re.split(r"[^a-z0-9]+", spaced) if word}


def _operand_words(node: ast.expr) -> set[str]:
    """Every word the operand is named with (names, attributes, string subscripts, called
    functions), except inside len()/type()/isinstance()."""
    found: set[str] = set()
    stack: list[ast.AST] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, ast.Call):
            func = current.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in SHAPE_FUNCTIONS:
                continue
        if isinstance(current, ast.Name):
            found |= words(current.id)
        elif isinstance(current, ast.Attribute):
            found |= words(current.attr)
        elif isinstance(current, ast.Subscript):
            key = current.slice.value if isinstance(current.slice, ast.Constant) else None
            if isinstance(key, str):
                found |= words(key)
        stack.extend(ast.iter_child_nodes(current))
    return found


def _secret_words(found: set[str]) -> bool:
    return bool(found & SECRET_WORDS) or ("hash" in found and bool(found & HASHED_CREDENTIALS))


def _called_name(call: ast.Call) -> str:
    func = call.func
    return func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")


def carries_secret(node: ast.expr, tainted: set[str]) -> bool:
    """Whether a value is secret material, for following it through local names:
    ``expected = _mac(...)``, ``for candidate in signatures.split()``,
    ``version, _, encoded = candidate.partition(",")``, ``given = b64decode(encoded)``.
    Narrower than the comparison rule: ``row = repo.by_hash(digest(x))`` is a row, not a hash."""
    if isinstance(node, ast.Name):
        return node.id in tainted or _secret_words(words(node.id))
    if isinstance(node, ast.Attribute):
        named = _secret_words(words(node.attr))
        return named or (isinstance(node.value, ast.Name) and node.value.id in tainted)
    if isinstance(node, ast.Subscript):
        key = node.slice.value if isinstance(node.slice, ast.Constant) else None
        named = isinstance(key, str) and _secret_words(words(key))
        return named or carries_secret(node.value, tainted)
    if isinstance(node, ast.Call):
        name = _called_name(node)
        if name in NOT_SECRET_RESULTS:
            return False
        if _secret_words(words(name)):
            return True
        if isinstance(node.func, ast.Attribute) and carries_secret(node.func.value, tainted):
            return True  # a method of a secret value: .split(), .partition(), .encode(), ...
        return name in TRANSFORMS and any(carries_secret(a, tainted) for a in node.args)
    if isinstance(node, ast.BinOp | ast.JoinedStr | ast.FormattedValue):
        return any(
            carries_secret(child, tainted)
            for child in ast.iter_child_nodes(node)
            if isinstance(child, ast.expr)
        )
    return False


def _target_names(target: ast.expr) -> Iterator[str]:
    if isinstance(target, ast.Name):
        yield target.id
    elif isinstance(target, ast.Tuple | ast.List):
        for element in target.elts:
            yield from _target_names(element)
    elif isinstance(target, ast.Starred):
        yield from _target_names(target.value)


def tainted_names(scope: ast.AST) -> set[str]:
    """Local names in ``scope`` that hold secret material, followed to a fixed point."""
    bindings: list[tuple[ast.expr, ast.expr]] = []
    for node in ast.walk(scope):
        if isinstance(node, ast.Assign):
            bindings += [(target, node.value) for target in node.targets]
        elif isinstance(node, ast.AnnAssign | ast.AugAssign | ast.NamedExpr) and node.value:
            bindings.append((node.target, node.value))
        elif isinstance(node, ast.For | ast.AsyncFor | ast.comprehension):
            bindings.append((node.target, node.iter))
    tainted: set[str] = set()
    while True:
        grown = set(tainted)
        for target, value in bindings:
            if carries_secret(value, tainted):
                grown.update(_target_names(target))
        if grown == tainted:
            return tainted
        tainted = grown


def names_a_secret(node: ast.expr, tainted: set[str]) -> bool:
    names = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
    return _secret_words(_operand_words(node)) or bool(names & tainted)


def _is_constant(node: ast.expr) -> bool:
    if isinstance(node, ast.Constant):
        return True
    if isinstance(node, ast.IfExp):  # ``A if changed else B``: still a literal
        return _is_constant(node.body) and _is_constant(node.orelse)
    return isinstance(node, ast.Name) and node.id.isupper()


def _is_sql_column(node: ast.expr) -> bool:
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Name) and func.id in SQL_HELPERS:
            return True
        return isinstance(func, ast.Attribute) and _root(func) == "func"
    if not isinstance(node, ast.Attribute):
        return False
    chain: list[str] = []
    current: ast.expr = node
    while isinstance(current, ast.Attribute):
        chain.append(current.attr)
        current = current.value
    root = current.id if isinstance(current, ast.Name) else ""
    return root[:1].isupper() or "c" in chain[1:]  # Model.column, table.c.column


def _root(node: ast.expr) -> str:
    while isinstance(node, ast.Attribute):
        node = node.value
    return node.id if isinstance(node, ast.Name) else ""


def _scopes(tree: ast.AST) -> Iterator[tuple[ast.AST, set[str]]]:
    """Every function (and the module) with the secret names bound in it."""
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
            yield node, tainted_names(node)


def plain_secret_comparisons(tree: ast.AST) -> Iterator[Finding]:
    """``==``/``!=`` on secret material in ``tree``."""
    tainted_at: dict[int, set[str]] = {}
    for scope, tainted in _scopes(tree):  # outer scopes first: inner ones override
        for node in ast.walk(scope):
            tainted_at[id(node)] = tainted
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        tainted = tainted_at.get(id(node), set())
        operands = [node.left, *node.comparators]
        for op, left, right in zip(node.ops, operands[:-1], operands[1:], strict=True):
            if not isinstance(op, ast.Eq | ast.NotEq):
                continue
            pair = (left, right)
            if any(_is_constant(side) or _is_sql_column(side) for side in pair):
                continue
            if any(names_a_secret(side, tainted) for side in pair):
                symbol = "==" if isinstance(op, ast.Eq) else "!="
                yield node.lineno, f"{ast.unparse(left)} {symbol} {ast.unparse(right)}"


def _modules() -> Iterator[tuple[str, ast.Module]]:
    for path in sorted(SRC.rglob("*.py")):
        relative = path.relative_to(SRC).as_posix()
        yield relative, ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def test_secret_material_is_never_compared_with_equality() -> None:
    modules = dict(_modules())
    assert "webhooks/signing.py" in modules  # the checker reads the real tree
    findings = [
        f"src/gridlink/{path}:{line}: {what}"
        for path, tree in modules.items()
        for line, what in plain_secret_comparisons(tree)
    ]
    assert findings == [], (
        "compare signatures, MACs, digests and secret hashes with hmac.compare_digest "
        "(constant time), not ==/!=:\n  " + "\n  ".join(findings)
    )


@pytest.mark.parametrize(
    "source",
    [
        "ok = expected == given_signature\n",
        "ok = mac != header\n",
        "ok = hmac.new(k, m, 'sha256').hexdigest() == value\n",
        "ok = _mac(key, msg) == given\n",
        "ok = headers['webhook-signature'] == computed\n",
        "ok = stored.token_hash == tokens.digest(value)\n",
        "ok = attempt.authorization_code_hash == code_hash\n",
        "ok = self.expectedSignature != sent\n",
        "ok = a == b == client_secret\n",
        "ok = sign(secret, i, t, body) == received\n",
    ],
)
def test_the_checker_sees_equality_on_secret_material(source: str) -> None:
    assert [line for line, _ in plain_secret_comparisons(ast.parse(source))] == [1]


@pytest.mark.parametrize(
    "source",
    [
        "ok = hmac.compare_digest(expected, given_signature)\n",
        "ok = signature is None\n",
        "ok = signature == None\n",
        "ok = version != 'v1'\n",
        "ok = sealed[:1] == SEALED_TO_KEY\n",
        "ok = secret_prefix == SECRET_PREFIX\n",
        "ok = len(signature) == len(expected)\n",
        "q = select(T).where(ConnectToken.token_hash == token_hash)\n",
        "q = update(t).where(t.c.secret_hash == bindparam('secret_hash'))\n",
        "ok = credential.username_hash == new_hash\n",
        "ok = existing.request_hash != request_fingerprint\n",
        "ok = key.lower() == name\n",
        "ok = machine == other\n",
        "ok = credentials.password != NEW_PASSWORD if changed else GOOD_PASSWORD\n",
    ],
)
def test_the_checker_leaves_other_comparisons_alone(source: str) -> None:
    assert list(plain_secret_comparisons(ast.parse(source))) == []


def test_the_checker_follows_a_signature_through_local_names() -> None:
    """webhooks/signing.py's shape: neither ``expected`` nor ``given`` is named a signature."""
    source = (
        "def verify(signatures, key, msg):\n"
        "    expected = _mac(key, msg)\n"
        "    for candidate in signatures.split():\n"
        "        version, _, encoded = candidate.partition(',')\n"
        "        if version != 'v1':\n"
        "            continue\n"
        "        given = base64.b64decode(encoded)\n"
        "        if expected == given:\n"
        "            return\n"
    )
    assert list(plain_secret_comparisons(ast.parse(source))) == [(8, "expected == given")]


def test_a_row_found_by_a_hash_is_not_itself_secret() -> None:
    source = (
        "async def load(repo, bearer, client_id):\n"
        "    row = await repo.by_hash(tokens.digest(bearer))\n"
        "    ok = hmac.compare_digest(a, b)\n"
        "    return row.client_id == client_id and ok == expected_ok\n"
    )
    assert list(plain_secret_comparisons(ast.parse(source))) == []
