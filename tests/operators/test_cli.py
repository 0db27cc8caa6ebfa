"""`gridlink operators` through the real entry point (gridlink.cli.main), on both databases."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from typing import Any

from sqlalchemy import select

from gridlink import Settings
from gridlink.kit.db import Database
from gridlink.models import Operator, OperatorAuditEntry
from tests.operators.conftest import PASSWORD, CliResult

Cli = Callable[..., CliResult]


def _query(settings: Settings, model: Any) -> list[Any]:
    async def go() -> list[Any]:
        assert settings.database_url is not None
        db = Database(settings.database_url)
        try:
            async with db.transaction(write=False) as session:
                return list((await session.scalars(select(model))).all())
        finally:
            await db.dispose()

    return asyncio.run(go())


def _create(
    cli: Cli, email: str = "Ana@Example.com", *extra: str, password: str = PASSWORD
) -> CliResult:
    return cli(
        "operators",
        "create",
        email,
        "--role",
        "admin",
        *extra,
        "--password-stdin",
        stdin=password + "\n",
    )


def test_create_list_disable_reset(gridlink_cli: Cli, settings: Settings) -> None:
    created = _create(gridlink_cli)
    assert created.code == 0, created.err
    assert "ana@example.com" in created.out
    assert PASSWORD not in created.out + created.err

    listed = gridlink_cli("operators", "list", "--json")
    assert listed.code == 0
    [row] = json.loads(listed.out)
    assert row["email"] == "ana@example.com"  # stored lower-case
    assert row["role"] == "admin"
    assert row["client_ids"] is None
    assert row["totp"] is False
    assert row["disabled_at"] is None
    assert row["id"].startswith("opr_")

    [operator] = _query(settings, Operator)
    # Argon2id with the parameters written in operators/passwords.py, never the password.
    assert operator.password_hash.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    assert PASSWORD not in operator.password_hash

    first_hash = operator.password_hash
    reset = gridlink_cli(
        "operators",
        "reset-password",
        "ANA@example.com",
        "--password-stdin",
        stdin="another long passphrase\n",
    )
    assert reset.code == 0, reset.err
    [operator] = _query(settings, Operator)
    assert operator.password_hash != first_hash

    disabled = gridlink_cli("operators", "disable", "ana@example.com")
    assert disabled.code == 0, disabled.err
    [operator] = _query(settings, Operator)
    assert operator.disabled_at is not None
    assert "disabled" in gridlink_cli("operators", "list").out

    actions = [e.action for e in _query(settings, OperatorAuditEntry)]
    assert sorted(actions) == sorted(
        ["operator.created", "operator.password_reset", "operator.disabled"]
    )
    entries = _query(settings, OperatorAuditEntry)
    assert all(e.detail["via"] == "cli" and e.target_id == operator.id for e in entries)
    dumped = json.dumps([e.detail for e in entries])
    assert PASSWORD not in dumped
    assert "another long passphrase" not in dumped


def test_create_refuses_bad_input_and_changes_nothing(
    gridlink_cli: Cli, settings: Settings
) -> None:
    short = _create(gridlink_cli, "a@example.com", password="too short")
    assert short.code == 2
    assert "at least 12 characters" in short.err
    assert "too short" not in short.err

    long = _create(gridlink_cli, "a@example.com", password="x" * 1025)
    assert long.code == 2
    assert "at most 1024 characters" in long.err

    unknown = _create(gridlink_cli, "a@example.com", "--client", "cli_01JD3Q2V7S9X8Y6Z5W4V3U2T1S")
    assert unknown.code == 2
    assert "No client cli_01JD3Q2V7S9X8Y6Z5W4V3U2T1S" in unknown.err

    not_email = _create(gridlink_cli, "not-an-email")
    assert not_email.code == 2
    assert _query(settings, Operator) == []

    assert _create(gridlink_cli, "a@example.com").code == 0
    again = _create(gridlink_cli, "A@EXAMPLE.COM")
    assert again.code == 2
    assert "exists already" in again.err
    assert len(_query(settings, Operator)) == 1


def test_a_client_limited_operator(gridlink_cli: Cli, settings: Settings) -> None:
    made = gridlink_cli(
        "clients", "create", "Acme", "--origin", "https://app.acme.example", "--json"
    )
    client_id = json.loads(made.out)["client_id"]
    created = gridlink_cli(
        "operators",
        "create",
        "s@example.com",
        "--role",
        "support",
        "--client",
        client_id,
        "--password-stdin",
        stdin=PASSWORD,
    )
    assert created.code == 0, created.err
    [operator] = _query(settings, Operator)
    assert operator.client_ids == [client_id]
    assert operator.role == "support"


def test_the_password_comes_only_from_stdin(gridlink_cli: Cli) -> None:
    missing = gridlink_cli("operators", "create", "a@example.com", "--role", "admin")
    assert missing.code == 2
    assert "--password-stdin" in missing.err
    role = gridlink_cli(
        "operators", "create", "a@example.com", "--role", "root", "--password-stdin"
    )
    assert role.code == 2


def test_unknown_operator_is_one_line(gridlink_cli: Cli) -> None:
    for args in (("disable", "x@example.com"), ("totp", "enable", "x@example.com")):
        result = gridlink_cli("operators", *args)
        assert result.code == 2
        expected = "No operator x@example.com; see `gridlink operators list`."
        assert result.err.strip() == f"gridlink operators: error: {expected}"


def test_totp_enable_prints_the_key_once_and_stores_it_sealed(
    gridlink_cli: Cli, settings: Settings
) -> None:
    assert _create(gridlink_cli).code == 0
    enabled = gridlink_cli("operators", "totp", "enable", "ana@example.com")
    assert enabled.code == 0, enabled.err
    secret = next(line for line in enabled.out.splitlines() if "secret:" in line).split()[-1]
    assert len(secret) == 32
    assert (
        f"otpauth://totp/Gridlink:ana%40example.com?secret={secret}&issuer=Gridlink" in enabled.out
    )
    [operator] = _query(settings, Operator)
    assert operator.totp_secret_sealed is not None
    assert secret.encode() not in operator.totp_secret_sealed
    listed = gridlink_cli("operators", "list")
    assert secret not in listed.out
    assert " totp " in listed.out

    assert gridlink_cli("operators", "totp", "disable", "ana@example.com").code == 0
    [operator] = _query(settings, Operator)
    assert operator.totp_secret_sealed is None
    audit = json.dumps([e.detail for e in _query(settings, OperatorAuditEntry)])
    assert secret not in audit
