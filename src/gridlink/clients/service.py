"""Clients and their secrets: created and rotated from the CLI, never over the API."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

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
    name = spec.name.strip()
    if not 1 <= len(name) <= 100:
        raise ClientError("the client name must be 1 to 100 characters")
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


async def list_clients(session: AsyncSession, clock: Clock) -> list[ClientSummary]:
    rows = await ClientRepository(session).list_with_active_secret_counts(clock.now())
    return [
        ClientSummary(
            client_id=c.id,
            name=c.name,
            environment=c.environment,
            allowed_origins=c.allowed_origins,
            redirect_uris=c.redirect_uris,
            logo_url=c.logo_url,
            accent_color=c.accent_color,
            active_secrets=count,
            created_at=c.created_at,
        )
        for c, count in rows
    ]


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
