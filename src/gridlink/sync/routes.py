from __future__ import annotations

from fastapi import APIRouter, Depends

from gridlink.auth.dependencies import AppClock, CurrentClient, Session, current_client
from gridlink.credentials.routes import CredentialIdPath
from gridlink.idempotency.dependencies import idempotent_for
from gridlink.kit.openapi import error_responses
from gridlink.sync import service
from gridlink.sync.schemas import SyncOut

router = APIRouter(tags=["Utility credentials"])


@router.post(
    "/utility_credentials/{utility_credential_id}/refresh",
    summary="Sync a utility credential now",
    status_code=202,
    response_model=SyncOut,
    dependencies=[Depends(idempotent_for(current_client))],
    responses=error_responses(401, 404, 409, 422),
)
async def refresh(
    client: CurrentClient,
    session: Session,
    clock: AppClock,
    utility_credential_id: CredentialIdPath,
) -> SyncOut:
    """Checks the utility for new statements and intervals now instead of at the next scheduled
    check. If a sync is already running, answers 202 with it (nothing new is started). A
    credential that is not `verified` answers 409 `credential_not_verified`."""
    return await service.request_refresh(session, clock, client, utility_credential_id)
