"""``gridlink green-button``: the operator's registrations with utilities' Data Custodians
(Green Button Connect My Data).

add-custodian UTILITY_ID --client-id ID --client-secret-stdin --authorization-endpoint URL
              --token-endpoint URL --resource-endpoint URL --scope SCOPE [--name NAME]
              [--no-pkce] [--client-cert PEM --client-key PEM] [--replace]
list-custodians [--json]
remove-custodian UTILITY_ID

The client secret is read from standard input (never an argument: arguments show in `ps` and
shell history) and stored sealed. Each command prints the redirect URI and notification URI to
register with the custodian.
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


def add_green_button_commands(commands: Any, parser_class: type[argparse.ArgumentParser]) -> None:
    green = commands.add_parser(
        "green-button", help="Green Button Connect My Data: utilities' Data Custodians"
    )
    sub = green.add_subparsers(
        dest="green_button_command", required=True, parser_class=parser_class
    )
    add = sub.add_parser(
        "add-custodian",
        help="register a utility's Data Custodian; the client secret comes on standard input",
        description="Example: printf '%%s' \"$SECRET\" | gridlink green-button add-custodian "
        "pge --client-id 12345 --client-secret-stdin --authorization-endpoint "
        "https://sharemydata.pge.com/myAuthorization --token-endpoint "
        "https://api.pge.com/datacustodian/oauth/v2/token --resource-endpoint "
        "https://api.pge.com/GreenButtonConnect/espi/1_1/resource --scope "
        "'FB=1_3_4_5_13_14_15_16_18_19_31_32_35_37_38_39_40_41_44_45_46_47_51_52_53;...' "
        "--client-cert pge.crt --client-key pge.key",
    )
    add.add_argument("utility_id", metavar="UTILITY_ID", help="the utility's id in the catalog")
    add.add_argument("--name", help="what Connect calls it (default: the utility's name)")
    add.add_argument("--client-id", required=True, help="the OAuth client id the custodian gave")
    add.add_argument(
        "--client-secret-stdin",
        action="store_true",
        help="read the client secret from standard input (omit for a public client)",
    )
    for flag, text in (
        ("--authorization-endpoint", "the custodian's authorization page"),
        ("--token-endpoint", "the custodian's OAuth token endpoint"),
        ("--resource-endpoint", "the ESPI resource base (…/espi/1_1/resource)"),
    ):
        add.add_argument(flag, required=True, help=text)
    add.add_argument("--scope", required=True, help="the scope string you registered with")
    add.add_argument("--no-pkce", action="store_true", help="the custodian refuses PKCE")
    add.add_argument("--client-cert", help="mutual-TLS client certificate (PEM file)")
    add.add_argument("--client-key", help="its private key (PEM file), if not in --client-cert")
    add.add_argument("--replace", action="store_true", help="change an existing registration")
    listing = sub.add_parser("list-custodians", help="list the registered custodians")
    listing.add_argument("--json", action="store_true", help="print JSON for scripts")
    remove = sub.add_parser(
        "remove-custodian", help="remove a registration (its credentials stop syncing)"
    )
    remove.add_argument("utility_id", metavar="UTILITY_ID")


def _read_secret() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Client secret: ")
    return sys.stdin.read().strip()


def run(args: argparse.Namespace, settings: Settings) -> int:
    import asyncio

    secret = _read_secret() if getattr(args, "client_secret_stdin", False) else None
    return asyncio.run(_run(args, settings, secret))


async def _run(args: argparse.Namespace, settings: Settings, secret: str | None) -> int:
    from gridlink.cli_database import open_database
    from gridlink.custodians import service
    from gridlink.errors import GridlinkError
    from gridlink.kit.clock import SystemClock

    db = await open_database(settings)
    clock = SystemClock()
    command = args.green_button_command
    try:
        async with db.transaction() as session:
            if command == "add-custodian":
                utility_name = await service.utility_name(session, args.utility_id)
                given = service.CustodianIn(
                    utility_id=args.utility_id,
                    name=args.name or utility_name or args.utility_id,
                    oauth_client_id=args.client_id,
                    client_secret=secret or None,
                    authorization_endpoint=args.authorization_endpoint,
                    token_endpoint=args.token_endpoint,
                    resource_endpoint=args.resource_endpoint,
                    scope=args.scope,
                    pkce=not args.no_pkce,
                    client_cert_file=args.client_cert,
                    client_key_file=args.client_key,
                )
                custodian = await service.add_custodian(
                    session, clock, _sealing_ring(settings), given, replace=args.replace
                )
                print(f"custodian {custodian.id} for {custodian.utility_id} saved")
                _print_uris(settings, custodian.id)
            elif command == "list-custodians":
                _print_custodians(settings, await service.list_custodians(session), args.json)
            else:
                await service.remove_custodian(session, args.utility_id)
                print(f"custodian of {args.utility_id} removed")
    except GridlinkError as exc:
        print(f"gridlink green-button: error: {exc.message}", file=sys.stderr)
        return EXIT_USAGE
    finally:
        await db.dispose()
    return 0


def _sealing_ring(settings: Settings) -> Any:
    """The ring that seals utility secrets for the workers (as webhook signing secrets)."""
    from gridlink.kit.key_modes import open_process_keys
    from gridlink.kit.keyring import LiveRing

    return LiveRing(open_process_keys(settings).secrets)


def _print_uris(settings: Settings, custodian_id: str) -> None:
    base = settings.resolved_public_url()
    print("Register with the custodian:")
    print(f"  redirect URI:     {base}/connect/green_button/callback")
    print(f"  notification URI: {base}/green_button/notifications/{custodian_id}")


def _print_custodians(settings: Settings, custodians: list[Any], as_json: bool) -> None:
    notify = f"{settings.resolved_public_url()}/green_button/notifications/"
    rows = [
        {
            "id": c.id,
            "utility_id": c.utility_id,
            "name": c.name,
            "client_id": c.oauth_client_id,
            "authorization_endpoint": c.authorization_endpoint,
            "token_endpoint": c.token_endpoint,
            "resource_endpoint": c.resource_endpoint,
            "pkce": c.pkce,
            "mutual_tls": c.client_cert_file is not None,
            "notification_uri": notify + c.id,
        }
        for c in custodians
    ]
    if as_json:
        print(json.dumps(rows))
        return
    if not rows:
        print("no custodians yet: add one with `gridlink green-button add-custodian`")
        return
    for row in rows:
        print(
            f"{row['utility_id']:<24} {row['id']}  client {row['client_id']}  "
            f"{'mTLS ' if row['mutual_tls'] else ''}{'PKCE' if row['pkce'] else 'no PKCE'}"
        )
