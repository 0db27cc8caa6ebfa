from __future__ import annotations

from fastapi import APIRouter, Depends

from gridlink.auth.dependencies import (
    AppClock,
    AppSettings,
    CurrentClient,
    Session,
    current_client,
)
from gridlink.connect import frames
from gridlink.connect.schemas import ConnectTokenRequest, ConnectTokenResponse
from gridlink.connect.service import create_connect_token
from gridlink.connect.widget_schemas import WidgetUrlOut, WidgetUrlRequest
from gridlink.idempotency.dependencies import idempotent_for
from gridlink.kit.openapi import error_responses, links

router = APIRouter(tags=["Connect"])
USER = "/v1/users/{client_user_id}"


@router.post(
    "/auth/connect_token",
    summary="Create a connect token to open the widget for one end user",
    response_model=ConnectTokenResponse,
    dependencies=[Depends(idempotent_for(current_client))],
    responses={
        **error_responses(401, 404, 409, 422),
        # The end user a connect token is for exists from then on.
        **links(
            200,
            GetUser=(f"GET {USER}", {"client_user_id": "$request.body#/client_user_id"}),
            DeleteUser=(f"DELETE {USER}", {"client_user_id": "$request.body#/client_user_id"}),
        ),
    },
)
async def post_connect_token(
    body: ConnectTokenRequest, client: CurrentClient, session: Session, clock: AppClock
) -> ConnectTokenResponse:
    """Pass `client_user_id` to link a new utility account (create mode, valid 4 hours), or
    `utility_credential_id` to repair one (update mode, valid 30 minutes). A user who already has
    a credential at the preselected `utility_id` gets update mode too."""
    return await create_connect_token(session, clock, client, body)


@router.post(
    "/widget_url",
    summary="Create a Connect URL for a bare iframe or webview",
    response_model=WidgetUrlOut,
    dependencies=[Depends(idempotent_for(current_client))],
    responses=error_responses(401, 404, 409, 422),
)
async def post_widget_url(
    body: WidgetUrlRequest,
    client: CurrentClient,
    session: Session,
    clock: AppClock,
    settings: AppSettings,
) -> WidgetUrlOut:
    """For hosts that cannot run connect.js: pass `client_user_id` or `utility_credential_id`
    (as for a connect token) and the `target_origin` of the page that frames the URL (it must
    exactly match a registered origin). The URL is single use and valid 5 minutes; Connect posts
    its messages to `target_origin` only."""
    ticket = await frames.widget_url(session, clock, settings.resolved_public_url(), client, body)
    return WidgetUrlOut(url=ticket.url, expires_at=ticket.expires_at)
