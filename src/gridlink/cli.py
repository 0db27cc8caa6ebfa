"""The ``gridlink`` command.

serve                 API, widget and worker in one process (the embedded default)
worker                the worker alone, for scale-out
migrate               apply database migrations
clients create|update|list|rotate-secret
events tail           print events as they are written
webhooks verify       check a webhook's signature (debug a receiver)
utilities import-eia  load EIA/OpenEI utility-by-zip tables into the catalog
keys list|rotate|rewrap|retire|init|public
operators create|list|disable|reset-password|totp  dashboard operators
green-button add-custodian|list-custodians|remove-custodian  Green Button Connect My Data
db backup             copy the SQLite database while the server runs (PostgreSQL: pg_dump)

Bad arguments print one line and exit with status 2.
"""

from __future__ import annotations

import argparse
import json
import re
import signal
import sys
from collections.abc import Callable, Coroutine, Sequence
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any, NoReturn

from gridlink import __version__
from gridlink.cli_green_button import add_green_button_commands
from gridlink.cli_operators import add_operator_commands

# Imports here are what every start pays, `gridlink --version` included: settings (pydantic),
# the database layer and the app are imported by the commands that use them
# (tests/test_cli_imports.py keeps it so).
if TYPE_CHECKING:
    from gridlink.config import Settings

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        self.exit(EXIT_USAGE, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


_DURATION = re.compile(r"^(\d+)([smhd]?)$")
_UNITS = {"s": "seconds", "m": "minutes", "h": "hours", "d": "days", "": "seconds"}


def parse_duration(text: str) -> timedelta:
    match = _DURATION.match(text.strip())
    if not match:
        raise argparse.ArgumentTypeError(f"{text!r} is not a duration like 24h, 30m, 7d or 0")
    try:
        return timedelta(**{_UNITS[match.group(2)]: int(match.group(1))})
    except (OverflowError, ValueError) as exc:
        raise argparse.ArgumentTypeError(f"{text!r} is longer than any duration") from exc


def _build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="gridlink", description="Gridlink: a self-hosted Connect for utility data."
    )
    parser.add_argument("--version", action="version", version=f"gridlink {__version__}")
    commands = parser.add_subparsers(dest="command", required=True, parser_class=_Parser)

    serve = commands.add_parser("serve", help="run the API, widget and worker in one process")
    serve.add_argument("--host", help="address to listen on (default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="port to listen on (default 8080)")
    serve.add_argument("--no-worker", action="store_true", help="do not run the worker in-process")

    worker = commands.add_parser("worker", help="run the background worker alone (scale-out)")
    worker.add_argument(
        "--metrics-address",
        metavar="HOST:PORT",
        help="serve /metrics, /healthz and /readyz here, e.g. 127.0.0.1:9464 (default: none)",
    )
    commands.add_parser("migrate", help="apply database migrations and exit")

    clients = commands.add_parser("clients", help="manage clients (integrating apps)")
    client_commands = clients.add_subparsers(
        dest="clients_command", required=True, parser_class=_Parser
    )
    create = client_commands.add_parser("create", help="create a client; prints its secret once")
    create.add_argument("name", help="the app's name, shown to end users in the widget")
    create.add_argument(
        "--origin",
        action="append",
        required=True,
        dest="origins",
        help="origin allowed to embed the widget, e.g. https://app.example (repeatable)",
    )
    create.add_argument(
        "--redirect-uri",
        action="append",
        default=[],
        dest="redirect_uris",
        help="exact URL a full-page Connect may return to (repeatable)",
    )
    create.add_argument(
        "--environment",
        choices=["sandbox", "live"],
        default="sandbox",
        help="sandbox clients see only sandbox utilities (default sandbox)",
    )
    create.add_argument("--logo-url", help="https URL of the app's logo, shown in Connect")
    create.add_argument("--accent-color", help="the app's colour for Connect, e.g. #1a73e8")
    create.add_argument("--json", action="store_true", help="print JSON for scripts")

    listing = client_commands.add_parser("list", help="list clients")
    listing.add_argument("--json", action="store_true", help="print JSON for scripts")

    rotate = client_commands.add_parser("rotate-secret", help="issue a new client secret")
    rotate.add_argument("client_id")
    rotate.add_argument(
        "--grace",
        type=parse_duration,
        default=timedelta(hours=24),
        help="how long older secrets keep working, e.g. 24h, 30m, 0 (default 24h)",
    )
    rotate.add_argument("--json", action="store_true", help="print JSON for scripts")
    _add_client_update(client_commands)
    _add_event_commands(commands)
    _add_webhook_commands(commands)
    _add_utilities_commands(commands)
    _add_keys_commands(commands)
    _add_db_commands(commands)
    add_operator_commands(commands, _Parser)
    add_green_button_commands(commands, _Parser)
    return parser


def _add_client_update(client_commands: Any) -> None:
    update = client_commands.add_parser(
        "update",
        help="change a client's origins, redirect URIs, name, logo or colour",
        description="Change a client in place: its id, secrets and environment stay. Example: "
        "gridlink clients update cli_... --add-origin https://staging.app.example",
    )
    update.add_argument("client_id", metavar="CLIENT_ID")
    update.add_argument("--name", help="the app's new name, shown to end users in Connect")
    for flag, dest, metavar, text in (
        ("--add-origin", "add_origins", "ORIGIN", "origin allowed to embed the widget"),
        ("--remove-origin", "remove_origins", "ORIGIN", "origin no longer allowed"),
        ("--add-redirect-uri", "add_redirect_uris", "URI", "exact URL Connect may return to"),
        ("--remove-redirect-uri", "remove_redirect_uris", "URI", "redirect URI to remove"),
    ):
        update.add_argument(
            flag,
            action="append",
            default=[],
            dest=dest,
            metavar=metavar,
            help=f"{text} (repeatable)",
        )
    logo = update.add_mutually_exclusive_group()
    logo.add_argument(
        "--logo-url", metavar="URL", help="https URL of the app's logo, shown in Connect"
    )
    logo.add_argument(
        "--no-logo-url", action="store_const", const="", dest="logo_url", help="remove the logo"
    )
    accent = update.add_mutually_exclusive_group()
    accent.add_argument(
        "--accent-color", metavar="COLOR", help="the app's colour for Connect, e.g. #1a73e8"
    )
    accent.add_argument(
        "--no-accent-color",
        action="store_const",
        const="",
        dest="accent_color",
        help="back to Connect's default colour",
    )
    methods = update.add_mutually_exclusive_group()
    methods.add_argument(
        "--connection-methods",
        metavar="ORDER",
        type=lambda text: [m.strip() for m in text.split(",") if m.strip()],
        help="the order Connect offers a utility's ways in, e.g. green_button,login,file; a "
        "method left out is not offered",
    )
    methods.add_argument(
        "--default-connection-methods",
        action="store_const",
        const=[],
        dest="connection_methods",
        help="back to Gridlink's order (green_button, login, file)",
    )
    update.add_argument("--json", action="store_true", help="print JSON for scripts")


def _add_event_commands(commands: Any) -> None:
    events = commands.add_parser("events", help="follow events")
    event_commands = events.add_subparsers(
        dest="events_command", required=True, parser_class=_Parser
    )
    tail = event_commands.add_parser(
        "tail", help="print events as they are written, one JSON object per line"
    )
    tail.add_argument("--client", help="only this client's events (default: every client)")


def _add_webhook_commands(commands: Any) -> None:
    webhooks = commands.add_parser("webhooks", help="help with receiving webhooks")
    webhook_commands = webhooks.add_subparsers(
        dest="webhooks_command", required=True, parser_class=_Parser
    )
    verify = webhook_commands.add_parser(
        "verify",
        help="check a received webhook's signature; exit 0 valid, 1 invalid",
        description="Check a webhook as your receiver got it. Example: gridlink webhooks verify "
        "--secret whsec_... --header 'webhook-id: evt_...' --header 'webhook-timestamp: "
        "1700000000' --header 'webhook-signature: v1,...' --body body.json",
    )
    verify.add_argument("--secret", required=True, help="the endpoint's whsec_... secret")
    verify.add_argument(
        "--header",
        action="append",
        default=[],
        dest="headers",
        help="'name: value' as received (repeat for webhook-id, -timestamp, -signature)",
    )
    verify.add_argument(
        "--body", required=True, help="file with the exact request body bytes (- for stdin)"
    )
    verify.add_argument(
        "--tolerance",
        type=int,
        default=300,
        help="accepted age of webhook-timestamp in seconds (default 300)",
    )


def _add_utilities_commands(commands: Any) -> None:
    utilities = commands.add_parser("utilities", help="manage the utility catalog")
    utility_commands = utilities.add_subparsers(
        dest="utilities_command", required=True, parser_class=_Parser
    )
    importer = utility_commands.add_parser(
        "import-eia",
        help="load EIA/OpenEI 'utility by zip code' CSVs (any edition; IOU and non-IOU files)",
    )
    importer.add_argument("files", nargs="+", type=Path, metavar="FILE")
    importer.add_argument(
        "--edition",
        type=int,
        help="data year of the files (default: the year in each file name, e.g. 2011)",
    )
    importer.add_argument("--json", action="store_true", help="print JSON for scripts")


def _add_keys_commands(commands: Any) -> None:
    keys = commands.add_parser(
        "keys", help="manage the keys of this process's GRIDLINK_KEY_MODE (master by default)"
    )
    key_commands = keys.add_subparsers(dest="keys_command", required=True, parser_class=_Parser)
    key_commands.add_parser("list", help="list the keys and what each one protects")
    for name, text in (
        ("rotate", "add a new primary key (master mode: then re-wrap everything under it)"),
        ("rewrap", "re-wrap and re-seal everything under the current primary (resumes a rotation)"),
    ):
        command = key_commands.add_parser(name, help=text)
        command.add_argument(
            "--batch-size", type=int, default=200, help="values per transaction (default 200)"
        )
    retire = key_commands.add_parser("retire", help="remove an older key once nothing uses it")
    retire.add_argument("key_id")
    init = key_commands.add_parser(
        "init", help="split deployment: create the key pair (worker mode) or the API keys (api)"
    )
    init.add_argument(
        "--print", action="store_true", help="print the values to set instead of writing files"
    )
    public = key_commands.add_parser(
        "public", help="print the public sealing key for API processes (worker mode)"
    )
    public.add_argument("--output", type=Path, help="write it to this file (mode 0644) instead")


def _add_db_commands(commands: Any) -> None:
    database = commands.add_parser("db", help="database maintenance")
    db_commands = database.add_subparsers(dest="db_command", required=True, parser_class=_Parser)
    backup = db_commands.add_parser(
        "backup",
        help="copy the SQLite database consistently while the server runs (PostgreSQL: pg_dump)",
    )
    backup.add_argument("path", type=Path, metavar="PATH", help="file to write; must not exist")


def _run_uvloop(coro: Coroutine[Any, Any, int]) -> int:
    """Run the long-lived commands on uvloop where available (faster I/O)."""
    import asyncio

    try:
        import uvloop
    except ImportError:  # pragma: no cover - Windows
        return asyncio.run(coro)
    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:
        return runner.run(coro)


def main(argv: Sequence[str] | None = None) -> int:
    if list(sys.argv[1:] if argv is None else argv) == ["--version"]:
        # Before building the parser (every command's options: tens of ms) for the one question
        # scripts and packagers ask most; argparse answers the same text otherwise.
        print(f"gridlink {__version__}")
        return 0
    args = _build_parser().parse_args(argv)
    from pydantic import ValidationError

    from gridlink.config import Settings

    try:
        settings = Settings()
    except ValidationError as exc:
        problems = "; ".join(
            f"GRIDLINK_{'_'.join(str(p) for p in err['loc']).upper()}: {err['msg']}"
            for err in exc.errors()
        )
        print(f"gridlink: error: invalid setting: {problems}", file=sys.stderr)
        return EXIT_USAGE
    from gridlink.kit.logging import configure_logging

    configure_logging(settings.log_level)
    handlers: dict[str, Callable[[argparse.Namespace, Settings], int]] = {
        "serve": _serve,
        "worker": _worker,
        "migrate": _migrate,
        "clients": _clients,
        "events": _events,
        "webhooks": _webhooks,
        "utilities": _utilities,
        "keys": _keys,
        "db": _db,
        "operators": _operators,
        "green-button": _green_button,
    }
    from gridlink.kit.keyring import KeyringError
    from gridlink.kit.migrations import MigrationTimeout

    try:
        return handlers[args.command](args, settings)
    except KeyringError as exc:  # keys missing, malformed, or not fit for GRIDLINK_KEY_MODE
        print(f"gridlink: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    except MigrationTimeout as exc:  # rolled back; the message says what to do
        print(f"gridlink: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 130


def _serve(args: argparse.Namespace, settings: Settings) -> int:
    from gridlink.cli_serve import serve

    updates: dict[str, Any] = {}
    if args.host:
        updates["host"] = args.host
    if args.port:
        updates["port"] = args.port
    if args.no_worker:
        updates["run_worker"] = False
    return _run_uvloop(serve(settings.model_copy(update=updates)))


def _worker(args: argparse.Namespace, settings: Settings) -> int:
    from gridlink.cli_worker import run_worker

    if args.metrics_address:
        settings = settings.model_copy(update={"worker_metrics_address": args.metrics_address})
    return _run_uvloop(run_worker(settings))


def _migrate(_args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from gridlink.cli_database import open_database

    async def go() -> int:
        db = await open_database(settings, migrate=True)
        await db.dispose()
        print("database is at the latest migration")
        return 0

    return asyncio.run(go())


def _clients(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from gridlink.cli_database import open_database
    from gridlink.clients import service
    from gridlink.kit.clock import SystemClock

    async def go() -> int:
        db = await open_database(settings)
        clock = SystemClock()
        try:
            async with db.transaction() as session:
                if args.clients_command == "create":
                    spec = service.NewClient(
                        args.name,
                        args.origins,
                        args.redirect_uris,
                        args.environment,
                        logo_url=args.logo_url,
                        accent_color=args.accent_color,
                    )
                    created = await service.create_client(session, clock, spec)
                    _print_created(created.client_id, created.client_secret, args.json)
                elif args.clients_command == "update":
                    changes = service.ClientChanges(
                        name=args.name,
                        add_origins=args.add_origins,
                        remove_origins=args.remove_origins,
                        add_redirect_uris=args.add_redirect_uris,
                        remove_redirect_uris=args.remove_redirect_uris,
                        logo_url=args.logo_url,
                        accent_color=args.accent_color,
                        connection_methods=args.connection_methods,
                    )
                    updated = await service.update_client(session, clock, args.client_id, changes)
                    _print_updated(updated, args.json)
                elif args.clients_command == "list":
                    _print_clients(await service.list_clients(session, clock), args.json)
                else:
                    rotated = await service.rotate_secret(
                        session, clock, args.client_id, args.grace
                    )
                    _print_rotated(rotated, args.json)
        except service.ClientError as exc:
            print(f"gridlink clients: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        finally:
            await db.dispose()
        return 0

    return asyncio.run(go())


def _events(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    from gridlink.cli_database import open_database
    from gridlink.events.tail import UnknownClient, tail_events

    async def go() -> int:
        db = await open_database(settings)
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        try:
            await tail_events(
                db,
                args.client,
                lambda line: print(line, flush=True),
                stop,
                ready=lambda: print("tailing events (Ctrl-C to stop)", file=sys.stderr, flush=True),
            )
        except UnknownClient:
            print(f"gridlink events: error: no client {args.client!r}", file=sys.stderr)
            return EXIT_USAGE
        finally:
            await db.dispose()
        return 0

    return asyncio.run(go())


def _webhooks(args: argparse.Namespace, _settings: Settings) -> int:
    import time

    from gridlink.webhooks.verify import UsageError, check, read_body

    try:
        body = read_body(args.body)
    except UsageError as exc:
        print(f"gridlink webhooks verify: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    status, message = check(args.secret, args.headers, body, time.time(), args.tolerance)
    print(message, file=sys.stdout if status == 0 else sys.stderr)
    return status


def _utilities(args: argparse.Namespace, settings: Settings) -> int:
    from gridlink.cli_utilities import import_eia

    return import_eia(args.files, args.edition, args.json, settings)


def _keys(args: argparse.Namespace, settings: Settings) -> int:
    from gridlink import cli_keys

    if args.keys_command == "list":
        return cli_keys.list_keys(settings)
    if args.keys_command == "retire":
        return cli_keys.retire(settings, args.key_id)
    if args.keys_command == "init":
        return cli_keys.init(settings, args.print)
    if args.keys_command == "public":
        return cli_keys.public(settings, args.output)
    if args.batch_size < 1:
        print("gridlink keys: error: --batch-size must be at least 1", file=sys.stderr)
        return EXIT_USAGE
    if args.keys_command == "rotate":
        return cli_keys.rotate(settings, args.batch_size)
    return cli_keys.rewrap(settings, args.batch_size)


def _green_button(args: argparse.Namespace, settings: Settings) -> int:
    from gridlink import cli_green_button

    return cli_green_button.run(args, settings)


def _operators(args: argparse.Namespace, settings: Settings) -> int:
    from gridlink import cli_operators

    return cli_operators.run(args, settings)


def _db(args: argparse.Namespace, settings: Settings) -> int:
    from gridlink.cli_db import backup

    return backup(settings, args.path)


def _print_created(client_id: str, secret: str, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"client_id": client_id, "client_secret": secret}))
        return
    print(f"client_id:     {client_id}")
    print(f"client_secret: {secret}")
    print(
        "Store the secret now: it is shown only once (rotate it with "
        "`gridlink clients rotate-secret`)."
    )


def _print_clients(clients: list[Any], as_json: bool) -> None:
    if as_json:
        print(json.dumps([c.model_dump(mode="json") for c in clients]))
        return
    if not clients:
        print("no clients yet: create one with `gridlink clients create NAME --origin URL`")
        return
    for c in clients:
        print(
            f"{c.client_id}  {c.environment:<7}  {c.name}  origins={','.join(c.allowed_origins)}"
            f"  active_secrets={c.active_secrets}"
        )


def _print_updated(client: Any, as_json: bool) -> None:
    if as_json:
        print(client.model_dump_json())
        return
    print(f"client_id:     {client.client_id}")
    print(f"name:          {client.name}")
    print(f"origins:       {', '.join(client.allowed_origins)}")
    print(f"redirect_uris: {', '.join(client.redirect_uris) or '(none)'}")
    print(f"logo_url:      {client.logo_url or '(none)'}")
    print(f"accent_color:  {client.accent_color or '(default)'}")
    methods = client.connection_methods
    print(f"connection_methods: {','.join(methods) if methods else '(default)'}")


def _print_rotated(rotated: Any, as_json: bool) -> None:
    if as_json:
        print(rotated.model_dump_json())
        return
    print(f"client_id:     {rotated.client_id}")
    print(f"client_secret: {rotated.client_secret}")
    print(f"Older secrets stop working at {rotated.previous_secrets_expire_at.isoformat()}.")


if __name__ == "__main__":
    sys.exit(main())
