"""The demo's backend: what a host app's server does, in-process, for the demo's own client.

It acts only for the demo's dedicated sandbox client (``cli_demo``, made by `gridlink serve` at
start-up while the demo is on; never the integrator's sandbox client the banner prints, so the
demo cannot read that client's end users or move its clock) and, within it, only for the
calling browser's demo user (demo/browser.py). No client secret ever reaches the browser: the
calls below go straight to the services the API uses.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.auth.service import AuthenticatedClient, exchange_authorization_code
from gridlink.clients.repository import ClientRepository
from gridlink.clients.service import DEMO_CLIENT_ID, in_process_client
from gridlink.connect.schemas import ConnectTokenRequest
from gridlink.connect.service import create_connect_token
from gridlink.credentials.schemas import CredentialFilters, UtilityCredentialOut
from gridlink.credentials.service import CREDENTIAL_NOT_FOUND, get_credential, list_credentials
from gridlink.demo.schemas import (
    DemoClockMove,
    DemoCredentials,
    DemoLink,
    DemoStatus,
    DemoToken,
)
from gridlink.errors import NotFound
from gridlink.kit.clock import Clock
from gridlink.kit.pagination import MAX_LIMIT, PageParams
from gridlink.links.service import create_link
from gridlink.sandbox import service as sandbox
from gridlink.sandbox.schemas import SandboxClockMove

DEMO_CLIENT_NAME = "Gridlink demo"
NO_DEMO_CLIENT = (
    "The demo's sandbox client does not exist yet: `gridlink serve` makes it at start-up while "
    "the demo is on (GRIDLINK_DEMO)."
)


async def ensure_demo_client(session: AsyncSession, clock: Clock, origin: str) -> None:
    """Make the demo's client, or point it at this server's current origin (the demo page is
    served from here, so that is the one origin that embeds Connect for it). It has no secret:
    the demo acts in-process, and nobody can call the API as it."""
    repo = ClientRepository(session)
    origins = sorted({origin, origin.replace("127.0.0.1", "localhost")})
    await repo.add_if_absent(
        {
            "id": DEMO_CLIENT_ID,
            "name": DEMO_CLIENT_NAME,
            "environment": "sandbox",
            "allowed_origins": origins,
            "redirect_uris": [],
            "created_at": clock.now(),
            "sandbox_clock_offset_seconds": 0,
        }
    )
    row = await repo.get(DEMO_CLIENT_ID)
    assert row is not None
    row.allowed_origins = origins


async def demo_client(session: AsyncSession) -> AuthenticatedClient:
    client = await in_process_client(session, DEMO_CLIENT_ID)
    if client is None:
        raise NotFound(NO_DEMO_CLIENT)
    return client


async def status(
    session: AsyncSession, clock: Clock, client_user_id: str, origin: str | None
) -> DemoStatus:
    client = await demo_client(session)
    now = sandbox.read_clock(clock, client)
    return DemoStatus(
        client_user_id=client_user_id,
        client_id=client.id,
        client_name=client.name,
        origin_allowed=None if origin is None else origin in client.allowed_origins,
        allowed_origins=list(client.allowed_origins),
        sandbox_now=now.now,
        sandbox_offset_seconds=now.offset_seconds,
    )


async def own_credential(
    session: AsyncSession, client: AuthenticatedClient, client_user_id: str, credential_id: str
) -> UtilityCredentialOut:
    """The credential, if it belongs to this demo user (anything else reads as unknown)."""
    credential = await get_credential(session, client, credential_id)
    if credential.client_user_id != client_user_id:
        raise NotFound(CREDENTIAL_NOT_FOUND)
    return credential


async def connect_token(
    session: AsyncSession, clock: Clock, client_user_id: str, credential_id: str | None
) -> DemoToken:
    client = await demo_client(session)
    if credential_id is None:
        request = ConnectTokenRequest(client_user_id=client_user_id)
    else:
        await own_credential(session, client, client_user_id, credential_id)
        request = ConnectTokenRequest(utility_credential_id=credential_id)
    made = await create_connect_token(session, clock, client, request)
    return DemoToken(connect_token=made.connect_token, mode=made.mode, expires_at=made.expires_at)


async def exchange(
    session: AsyncSession, clock: Clock, client_user_id: str, code: str
) -> UtilityCredentialOut:
    """What a host backend does with onSuccess's code: confirm it, then read the credential."""
    client = await demo_client(session)
    confirmed = await exchange_authorization_code(session, clock, client, code)
    return await own_credential(session, client, client_user_id, confirmed.utility_credential_id)


async def credentials(session: AsyncSession, client_user_id: str) -> DemoCredentials:
    client = await demo_client(session)
    page = await list_credentials(
        session,
        client,
        CredentialFilters(client_user_id=client_user_id),
        PageParams(limit=MAX_LIMIT, after=None),
    )
    return DemoCredentials(data=page.data)


async def move_clock(
    session: AsyncSession, clock: Clock, client_user_id: str, body: DemoClockMove
) -> DemoStatus:
    """Moves the demo client's clock: every demo user's (a sandbox clock is per client), never
    the integrator's sandbox client's."""
    client = await demo_client(session)
    moved = await sandbox.move_clock(
        session, clock, client, SandboxClockMove(advance_seconds=body.advance_seconds)
    )
    return DemoStatus(
        client_user_id=client_user_id,
        client_id=client.id,
        client_name=client.name,
        allowed_origins=list(client.allowed_origins),
        sandbox_now=moved.now,
        sandbox_offset_seconds=moved.offset_seconds,
    )


async def connect_link(
    session: AsyncSession,
    clock: Clock,
    public_url: str,
    client_user_id: str,
    credential_id: str,
) -> DemoLink:
    client = await demo_client(session)
    await own_credential(session, client, client_user_id, credential_id)
    link = await create_link(session, clock, public_url, client, credential_id)
    return DemoLink(url=link.url, expires_at=link.expires_at)
