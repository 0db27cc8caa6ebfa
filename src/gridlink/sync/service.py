"""The sync over the API: its view on the credential resource, and refresh requests."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.auth.service import AuthenticatedClient
from gridlink.credentials.repository import CredentialRepository
from gridlink.credentials.service import CREDENTIAL_NOT_FOUND
from gridlink.errors import CredentialNotVerified, NotFound
from gridlink.kit.clock import Clock
from gridlink.kit.ids import looks_like_id
from gridlink.sync.schedule import enqueue
from gridlink.sync.schemas import SyncOut
from gridlink.sync.view import sync_out

NOT_VERIFIED = (
    "This utility credential is not verified (see its status and status_detail), so it cannot "
    "sync. Have the end user repair it in Connect's update mode or with a connect link; it "
    "syncs again once verified."
)


async def request_refresh(
    session: AsyncSession, clock: Clock, client: AuthenticatedClient, credential_id: str
) -> SyncOut:
    """Make the credential's sync due now; a sync already running is returned as it is."""
    credential = None
    if looks_like_id(credential_id):
        credential = await CredentialRepository(session).get_for_client(client.id, credential_id)
    if credential is None:
        raise NotFound(CREDENTIAL_NOT_FOUND)
    if credential.status != "verified":
        raise CredentialNotVerified(NOT_VERIFIED)
    sync = await enqueue(session, clock, credential, requested=True)
    out = sync_out(sync, credential.status, credential.last_synced_at)
    assert out is not None
    return out
