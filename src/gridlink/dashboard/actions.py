"""What an operator does to credentials, users and deliveries from the dashboard.

Each action calls the service the API's own endpoint calls, acting for the record's client, so
it changes the same rows and emits the same events and webhooks; then it writes one audit entry
in the same transaction (nothing is audited that did not happen, nothing happens unaudited).
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.connect.schemas import ConnectTokenRequest
from gridlink.connect.service import create_connect_token
from gridlink.credentials import service as credentials
from gridlink.dashboard.schemas import DashboardConnectToken, LinkMade, SubmitCredentials
from gridlink.dashboard.service import (
    EVENT_NOT_FOUND,
    acting_client,
    audit,
    client_of,
    credential_client,
)
from gridlink.events import service as events
from gridlink.events.schemas import RedeliveryOut
from gridlink.kit.clock import Clock
from gridlink.kit.vault import Vault
from gridlink.links import service as links
from gridlink.operators.principal import OperatorPrincipal
from gridlink.sync import service as sync
from gridlink.sync.schemas import SyncOut
from gridlink.users import service as users

LINK_NOT_FOUND = "No connect link with this id is visible to you."


async def connect_for_credential(
    session: AsyncSession, clock: Clock, operator: OperatorPrincipal, credential_id: str
) -> DashboardConnectToken:
    """Retry MFA verification: Connect in update mode for this credential, opened inside the
    dashboard. Update mode reuses the stored login, so Connect goes straight to the utility and
    then to the choice of verification method."""
    client = await credential_client(session, operator, credential_id)
    made = await create_connect_token(
        session,
        clock,
        client,
        ConnectTokenRequest(utility_credential_id=credential_id),
        operator_id=operator.id,
    )
    await audit(
        session, clock, operator, "credential.connect", ("credential", credential_id), client.id
    )
    return DashboardConnectToken(**made.model_dump(), client_id=client.id)


async def submit_credentials(
    session: AsyncSession, clock: Clock, operator: OperatorPrincipal, body: SubmitCredentials
) -> DashboardConnectToken:
    """Connect in create mode for an end user the operator names (new or existing)."""
    client = await acting_client(session, operator, body.client_id)
    made = await create_connect_token(
        session,
        clock,
        client,
        ConnectTokenRequest(client_user_id=body.client_user_id),
        operator_id=operator.id,
    )
    await audit(session, clock, operator, "user.connect", ("user", body.client_user_id), client.id)
    return DashboardConnectToken(**made.model_dump(), client_id=client.id)


async def create_update_link(
    session: AsyncSession,
    clock: Clock,
    public_url: str,
    operator: OperatorPrincipal,
    credential_id: str,
) -> LinkMade:
    client = await credential_client(session, operator, credential_id)
    link = await links.create_link(session, clock, public_url, client, credential_id)
    await audit(
        session,
        clock,
        operator,
        "link.create",
        ("credential", credential_id),
        client.id,
        link_id=link.id,
    )
    return LinkMade(**link.model_dump(), created_at=clock.now())


async def revoke_link(
    session: AsyncSession, clock: Clock, operator: OperatorPrincipal, link_id: str
) -> None:
    client = await client_of(session, operator, "link", link_id, LINK_NOT_FOUND)
    await links.revoke_link(session, clock, client, link_id)
    await audit(session, clock, operator, "link.revoke", ("link", link_id), client.id)


async def refresh(
    session: AsyncSession, clock: Clock, operator: OperatorPrincipal, credential_id: str
) -> SyncOut:
    client = await credential_client(session, operator, credential_id)
    out = await sync.request_refresh(session, clock, client, credential_id)
    await audit(
        session, clock, operator, "credential.refresh", ("credential", credential_id), client.id
    )
    return out


async def delete_credential(
    session: AsyncSession,
    clock: Clock,
    vault: Vault,
    operator: OperatorPrincipal,
    credential_id: str,
) -> None:
    client = await credential_client(session, operator, credential_id)
    await credentials.delete_credential(session, vault, client, credential_id)
    await audit(
        session, clock, operator, "credential.delete", ("credential", credential_id), client.id
    )


async def delete_user(
    session: AsyncSession,
    clock: Clock,
    vault: Vault,
    operator: OperatorPrincipal,
    client_id: str,
    client_user_id: str,
) -> None:
    client = await acting_client(session, operator, client_id)
    await users.delete_user(session, clock, vault, client, client_user_id)
    await audit(session, clock, operator, "user.delete", ("user", client_user_id), client.id)


async def redeliver(
    session: AsyncSession, clock: Clock, operator: OperatorPrincipal, event_id: str
) -> RedeliveryOut:
    client = await client_of(session, operator, "event", event_id, EVENT_NOT_FOUND)
    out = await events.redeliver(session, clock, client, event_id, None)
    await audit(session, clock, operator, "event.redeliver", ("event", event_id), client.id)
    return out
