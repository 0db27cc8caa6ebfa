"""Clients and their secrets: created and rotated from the CLI, never over the API."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.auth.service import AuthenticatedClient
from gridlink.clients.repository import ClientRepository
from gridlink.clients.schemas import (
    ClientCreated,
    ClientSummary,
    SecretRotated,
    check_accent_color,
    check_logo_url,
    check_origin,
    check_redirect_uri,
)
from gridlink.kit import tokens
from gridlink.kit.clock import Clock
from gridlink.kit.ids import new_id
from gridlink.models import Client, ClientSecret
from gridlink.utilities.methods import check_order


class ClientError(ValueError):
    """Bad input to a client command; the message says what to change."""


@dataclass(frozen=True)
class NewClient:
    name: str
    origins: list[str]
    redirect_uris: list[str]
    environment: str = "sandbox"
    logo_url: str | None = None
    accent_color: str | None = None


async def in_process_client(session: AsyncSession, client_id: str) -> AuthenticatedClient | None:
    """The client as the services see an authenticated caller, for whoever acts for it inside
    this process (the demo, the operator dashboard): no secret was presented and no access
    token is issued. None for an unknown client."""
    row = await ClientRepository(session).get(client_id)
    if row is None:
        return None
    return AuthenticatedClient(
        id=row.id,
        name=row.name,
        environment=row.environment,
        allowed_origins=tuple(row.allowed_origins),
        redirect_uris=tuple(row.redirect_uris),
        secret_id="",
        sandbox_clock_offset_seconds=row.sandbox_clock_offset_seconds,
    )


def _new_secret(client: Client, now: datetime) -> tuple[str, ClientSecret]:
    value = tokens.generate(tokens.TokenKind.CLIENT_SECRET, client.environment)
    row = ClientSecret(
        id=new_id("csec"),
        client_id=client.id,
        secret_hash=tokens.digest(value),
        hint=value[: len(client.environment) + 6] + "..." + value[-4:],
        created_at=now,
        expires_at=None,
    )
    return value, row


async def create_client(session: AsyncSession, clock: Clock, spec: NewClient) -> ClientCreated:
    name = _checked_name(spec.name)
    if spec.environment not in tokens.ENVIRONMENTS:
        raise ClientError("environment must be sandbox or live")
    if not spec.origins:
        raise ClientError("give at least one --origin (where the widget will be embedded)")
    try:
        origins = [check_origin(o, spec.environment) for o in spec.origins]
        redirects = [check_redirect_uri(u, spec.environment) for u in spec.redirect_uris]
        logo = None if spec.logo_url is None else check_logo_url(spec.logo_url, spec.environment)
        accent = None if spec.accent_color is None else check_accent_color(spec.accent_color)
    except ValueError as exc:
        raise ClientError(str(exc)) from exc
    now = clock.now()
    client = Client(
        id=new_id("cli"),
        name=name,
        environment=spec.environment,
        allowed_origins=sorted(set(origins)),
        redirect_uris=sorted(set(redirects)),
        logo_url=logo,
        accent_color=accent,
        created_at=now,
    )
    secret, row = _new_secret(client, now)
    await ClientRepository(session).add(client, row)
    return ClientCreated(client_id=client.id, client_secret=secret)


def _summary(client: Client, active_secrets: int) -> ClientSummary:
    return ClientSummary(
        client_id=client.id,
        name=client.name,
        environment=client.environment,
        allowed_origins=client.allowed_origins,
        redirect_uris=client.redirect_uris,
        logo_url=client.logo_url,
        accent_color=client.accent_color,
        connection_methods=client.connection_methods,
        active_secrets=active_secrets,
        created_at=client.created_at,
    )


async def list_clients(session: AsyncSession, clock: Clock) -> list[ClientSummary]:
    rows = await ClientRepository(session).list_with_active_secret_counts(clock.now())
    return [_summary(c, count) for c, count in rows]


@dataclass(frozen=True)
class ClientChanges:
    """What `gridlink clients update` changes; None and empty lists leave a field as it is.
    ``logo_url``/``accent_color`` of ``""`` remove them (Connect's defaults apply)."""

    name: str | None = None
    add_origins: list[str] = field(default_factory=list)
    remove_origins: list[str] = field(default_factory=list)
    add_redirect_uris: list[str] = field(default_factory=list)
    remove_redirect_uris: list[str] = field(default_factory=list)
    logo_url: str | None = None
    accent_color: str | None = None
    # The order of connection methods Connect offers (utilities/methods.py); [] for Gridlink's.
    connection_methods: list[str] | None = None


async def update_client(
    session: AsyncSession, clock: Clock, client_id: str, changes: ClientChanges
) -> ClientSummary:
    """Change a client in place (its id, secrets and environment stay). New origins and
    redirect URIs are checked as `create_client` checks them; a removed one must be there, and
    a client keeps at least one origin. Takes effect on the next request: Connect pages and
    frame tickets read the client's origins each time."""
    if changes == ClientChanges():
        raise ClientError(
            "nothing to change: give --name, --add-origin, --remove-origin, --add-redirect-uri, "
            "--remove-redirect-uri, --logo-url, --accent-color or --connection-methods"
        )
    repo = ClientRepository(session)
    client = await repo.get(client_id)
    if client is None:
        raise ClientError(f"no client {client_id!r}; see `gridlink clients list`")
    env = client.environment
    try:
        if changes.name is not None:
            client.name = _checked_name(changes.name)
        client.allowed_origins = _edited(
            "origin",
            client.allowed_origins,
            changes.add_origins,
            changes.remove_origins,
            lambda o: check_origin(o, env),
        )
        if not client.allowed_origins:
            raise ClientError(
                "a client needs at least one origin: add the new one (--add-origin) in the same "
                "command that removes the last"
            )
        client.redirect_uris = _edited(
            "redirect URI",
            client.redirect_uris,
            changes.add_redirect_uris,
            changes.remove_redirect_uris,
            lambda u: check_redirect_uri(u, env),
        )
        if changes.logo_url is not None:
            client.logo_url = check_logo_url(changes.logo_url, env) if changes.logo_url else None
        if changes.accent_color is not None:
            color = changes.accent_color
            client.accent_color = check_accent_color(color) if color else None
        if changes.connection_methods is not None:
            methods = changes.connection_methods
            client.connection_methods = list(check_order(methods)) if methods else None
    except ValueError as exc:
        raise ClientError(str(exc)) from exc
    await repo.save(client)
    return _summary(client, await repo.active_secret_count(client.id, clock.now()))


def _checked_name(name: str) -> str:
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise ClientError("the client name must be 1 to 100 characters")
    return name


def _edited(
    what: str,
    current: list[str],
    added: list[str],
    removed: list[str],
    check: Callable[[str], str],
) -> list[str]:
    """``current`` with ``removed`` taken out (each must be there) and ``added`` (checked) put
    in; sorted and without repeats, as `create_client` stores them. A new list, so the JSON
    column is written."""
    both = set(added) & set(removed)
    if both:
        raise ClientError(f"{sorted(both)[0]!r} is both added and removed; give it once")
    missing = [value for value in removed if value not in current]
    if missing:
        have = ", ".join(current) or "none"
        raise ClientError(f"{missing[0]!r} is not one of this client's {what}s (it has: {have})")
    kept = set(current) - set(removed)
    return sorted(kept | {check(value) for value in added})


async def rotate_secret(
    session: AsyncSession, clock: Clock, client_id: str, grace: timedelta
) -> SecretRotated:
    """Issue a new secret; every older secret keeps working for ``grace``, then stops."""
    if grace < timedelta(0):
        raise ClientError("the grace period cannot be negative")
    repo = ClientRepository(session)
    client = await repo.get(client_id)
    if client is None:
        raise ClientError(f"no client {client_id!r}; see `gridlink clients list`")
    now = clock.now()
    ends = now + grace
    await repo.expire_active_secrets(client.id, ends, now)
    secret, row = _new_secret(client, now)
    await repo.add_secret(row)
    return SecretRotated(client_id=client.id, client_secret=secret, previous_secrets_expire_at=ends)


SANDBOX_CLIENT_NAME = "Sandbox app"
# The demo app's own sandbox client (demo/service.py makes it): never the integrator's.
DEMO_CLIENT_ID = "cli_demo"


@dataclass(frozen=True)
class SandboxClient:
    client_id: str
    secret: str | None  # only when it was just created


async def ensure_sandbox_client(session: AsyncSession, clock: Clock, origin: str) -> SandboxClient:
    """On first start (no clients but the demo's), create a sandbox client for the integrator."""
    repo = ClientRepository(session)
    if await repo.count(excluding=DEMO_CLIENT_ID) == 0:
        origins = sorted({origin, origin.replace("127.0.0.1", "localhost")})
        created = await create_client(
            session, clock, NewClient(SANDBOX_CLIENT_NAME, origins, [], "sandbox")
        )
        return SandboxClient(created.client_id, created.client_secret)
    existing = await repo.first_sandbox_client(excluding=DEMO_CLIENT_ID)
    return SandboxClient(existing.id if existing else "(none)", None)
