"""The one shape of a credential's status events (verified, rejected, revoked, MFA refresh
required, ...), whoever changes the status: the connection engine or the sync engine."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.credentials.repository import CredentialRepository
from gridlink.events.service import record_event
from gridlink.events.types import EventType
from gridlink.kit.clock import Clock
from gridlink.models import UtilityCredential


async def record_status_event(
    session: AsyncSession, clock: Clock, credential: UtilityCredential, event_type: EventType
) -> None:
    """Record ``event_type`` with the credential's status as it is now (call after changing it)."""
    await record_event(
        session,
        clock,
        client_id=credential.client_id,
        type=event_type,
        client_user_id=await CredentialRepository(session).client_user_id(credential.user_id),
        utility_credential_id=credential.id,
        data={
            "utility_id": credential.utility_id,
            "status": credential.status,
            "status_detail": credential.status_detail,
            "action_required": credential.action_required,
        },
    )
