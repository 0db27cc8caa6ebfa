from __future__ import annotations

from fastapi import APIRouter, Depends

from gridlink.auth.dependencies import AppClock, CurrentClient, Session, current_client
from gridlink.connect.schemas import ConnectTokenRequest, ConnectTokenResponse
from gridlink.connect.service import create_connect_token
from gridlink.idempotency.dependencies import idempotent_for
from gridlink.kit.openapi import error_responses

router = APIRouter(tags=["Connect"])


@router.post(
    "/auth/connect_token",
    summary="Create a connect token to open the widget for one end user",
    response_model=ConnectTokenResponse,
    dependencies=[Depends(idempotent_for(current_client))],
    responses=error_responses(401, 404, 409, 422),
)
async def post_connect_token(
    body: ConnectTokenRequest, client: CurrentClient, session: Session, clock: AppClock
) -> ConnectTokenResponse:
    """Pass `client_user_id` to link a new utility account (create mode, valid 4 hours), or
    `utility_credential_id` to repair one (update mode, valid 30 minutes). A user who already has
    a credential at the preselected `utility_id` gets update mode too."""
    return await create_connect_token(session, clock, client, body)
