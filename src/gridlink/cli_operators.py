"""``gridlink operators``: the people who sign in to the dashboard (/dashboard).

create EMAIL --role ROLE [--client ID ...] --password-stdin
list [--json]
disable EMAIL                       ends the operator's sessions too
reset-password EMAIL --password-stdin   ends the operator's sessions too
totp enable|disable EMAIL           enable prints the authenticator key once

Passwords are read from standard input (never an argument: arguments show in `ps` and shell
history). Every change is written to the audit log in the same transaction.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the command's parser is built on every start: keep it light
    from gridlink.config import Settings

EXIT_USAGE = 2
ROLES = ("admin", "support", "viewer")


def add_operator_commands(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    operators = commands.add_parser("operators", help="manage dashboard operators")
    sub = operators.add_subparsers(
        dest="operators_command", required=True, parser_class=parser_class
    )
    create = sub.add_parser(
        "create",
        help="create an operator; the password is read from standard input",
        description="Example: printf '%%s' \"$PASSWORD\" | gridlink operators create "
        "ana@example.com --role admin --password-stdin",
    )
    create.add_argument("email", metavar="EMAIL")
    create.add_argument("--role", required=True, choices=ROLES, help="admin, support or viewer")
    create.add_argument(
        "--client",
        action="append",
        default=[],
        dest="clients",
        metavar="CLIENT_ID",
        help="the only client this operator sees (repeatable; default: every client)",
    )
    _password_stdin(create)
    listing = sub.add_parser("list", help="list operators")
    listing.add_argument("--json", action="store_true", help="print JSON for scripts")
    disable = sub.add_parser("disable", help="disable an operator and end their sessions")
    disable.add_argument("email", metavar="EMAIL")
    reset = sub.add_parser(
        "reset-password", help="set a new password (from standard input); ends their sessions"
    )
    reset.add_argument("email", metavar="EMAIL")
    _password_stdin(reset)
    totp = sub.add_parser("totp", help="turn an operator's authenticator codes on or off")
    totp_commands = totp.add_subparsers(
        dest="totp_command", required=True, parser_class=parser_class
    )
    enable = totp_commands.add_parser(
        "enable", help="make a new authenticator key; prints it and its otpauth:// URI once"
    )
    enable.add_argument("email", metavar="EMAIL")
    off = totp_commands.add_parser("disable", help="sign in without a code again")
    off.add_argument("email", metavar="EMAIL")


def _password_stdin(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--password-stdin",
        action="store_true",
        required=True,
        help="read the password from standard input (one line; at least 12 characters)",
    )


def _read_password() -> str:
    """Piped: the whole input. Typed at a terminal: asked for without echo (a password on the
    screen, or in the terminal's scrollback, is a password shown)."""
    if sys.stdin.isatty():
        return getpass.getpass("Password (at least 12 characters): ")
    return sys.stdin.read().removesuffix("\n").removesuffix("\r")


def run(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    password = _read_password() if getattr(args, "password_stdin", False) else ""
    return asyncio.run(_run(args, settings, password))


async def _run(args: argparse.Namespace, settings: Settings, password: str) -> int:
    from gridlink.cli_database import open_database
    from gridlink.kit.clock import SystemClock
    from gridlink.operators import service
    from gridlink.operators.principal import Role

    db = await open_database(settings)
    clock = SystemClock()
    command = args.operators_command
    try:
        async with db.transaction() as session:
            if command == "create":
                created = await service.create_operator(
                    session, clock, args.email, Role(args.role), args.clients, password
                )
                print(f"operator {created.id} {created.email} ({created.role}) created")
                print("Sign in at the dashboard: " + settings.resolved_public_url() + "/dashboard")
            elif command == "list":
                _print_operators(await service.list_operators(session), args.json)
            elif command == "disable":
                disabled = await service.disable_operator(session, clock, args.email)
                print(f"operator {disabled.email} disabled; their sessions have ended")
            elif command == "reset-password":
                reset = await service.reset_password(session, clock, args.email, password)
                print(f"password of {reset.email} changed; their sessions have ended")
            elif args.totp_command == "enable":
                enabled = await service.enable_totp(
                    session, clock, _totp_ring(settings), args.email
                )
                _print_totp(enabled)
            else:
                off = await service.disable_totp(session, clock, args.email)
                print(f"{off.email} signs in without an authenticator code now")
    except service.OperatorError as exc:
        print(f"gridlink operators: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        await db.dispose()
    return 0


def _totp_ring(settings: Settings) -> Any:
    """The ring the API processes open operator TOTP keys with (operators/second_factor.py)."""
    from gridlink.kit.key_modes import keys_for_app
    from gridlink.kit.keyring import LiveRing

    _keys, responses = keys_for_app(settings, run_worker=False)
    return LiveRing(responses)


def _print_totp(enabled: Any) -> None:
    print(f"Authenticator key for {enabled.operator.email} (shown only this once):")
    print(f"  secret: {enabled.secret}")
    print(f"  uri:    {enabled.uri}")
    print("Add it to an authenticator app; sign-in now asks for its 6-digit code.")


def _print_operators(operators: list[Any], as_json: bool) -> None:
    if as_json:
        print(
            json.dumps(
                [
                    {
                        "id": o.id,
                        "email": o.email,
                        "role": o.role,
                        "client_ids": o.client_ids,
                        "totp": o.totp,
                        "disabled_at": o.disabled_at.isoformat() if o.disabled_at else None,
                        "created_at": o.created_at.isoformat(),
                    }
                    for o in operators
                ]
            )
        )
        return
    if not operators:
        print(
            "no operators yet: create one with `gridlink operators create you@example.com "
            "--role admin --password-stdin`"
        )
        return
    for o in operators:
        clients = ",".join(o.client_ids) if o.client_ids is not None else "all"
        state = "disabled" if o.disabled_at else "active"
        totp = "totp" if o.totp else "no-totp"
        print(f"{o.id}  {o.email}  {o.role:<7}  clients={clients}  {totp}  {state}")
