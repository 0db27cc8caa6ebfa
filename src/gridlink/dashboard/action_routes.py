"""What operators do (support and admin): each call is audited, and changes a credential the
way the matching /v1 endpoint would, with the same events and webhooks."""

from __future__ import annotations

from fastapi import APIRouter, Response

from gridlink.auth.dependencies import AppClock, AppSettings, AppVault, Session
from gridlink.dashboard import actions
from gridlink.dashboard.dependencies import Id, Support
from gridlink.dashboard.schemas import DashboardConnectToken, LinkMade, SubmitCredentials
from gridlink.events.schemas import RedeliveryOut
from gridlink.kit.openapi import error_responses
from gridlink.sync.schemas import SyncOut

# Not in /docs (the integrators' API): documented in docs/reference/dashboard-api.md.
router = APIRouter(prefix="/dashboard/api", tags=["Dashboard"], include_in_schema=False)


@router.post(
    "/credentials/{credential_id}/connect",
    response_model=DashboardConnectToken,
    responses=error_responses(401, 403, 404),
)
async def connect_for_credential(
    session: Session, clock: AppClock, operator: Support, credential_id: Id
) -> DashboardConnectToken:
    """Retry MFA verification: a connect token in update mode, for Connect opened inside the
    dashboard."""
    return await actions.connect_for_credential(session, clock, operator, credential_id)


@router.post(
    "/connect", response_model=DashboardConnectToken, responses=error_responses(401, 403, 404, 422)
)
async def submit_credentials(
    session: Session, clock: AppClock, operator: Support, body: SubmitCredentials
) -> DashboardConnectToken:
    """Submit credentials: a connect token in create mode for the end user named."""
    return await actions.submit_credentials(session, clock, operator, body)


@router.post(
    "/credentials/{credential_id}/links",
    status_code=201,
    response_model=LinkMade,
    responses=error_responses(401, 403, 404),
)
async def create_update_link(
    session: Session, clock: AppClock, settings: AppSettings, operator: Support, credential_id: Id
) -> LinkMade:
    """An update link valid 72 hours; its URL is shown only in this answer."""
    return await actions.create_update_link(
        session, clock, settings.resolved_public_url(), operator, credential_id
    )


@router.post("/links/{link_id}/revoke", status_code=204, responses=error_responses(401, 403, 404))
async def revoke_link(
    session: Session, clock: AppClock, operator: Support, link_id: Id
) -> Response:
    await actions.revoke_link(session, clock, operator, link_id)
    return Response(status_code=204)


@router.post(
    "/credentials/{credential_id}/refresh",
    status_code=202,
    response_model=SyncOut,
    responses=error_responses(401, 403, 404, 409),
)
async def refresh(
    session: Session, clock: AppClock, operator: Support, credential_id: Id
) -> SyncOut:
    return await actions.refresh(session, clock, operator, credential_id)


@router.delete(
    "/credentials/{credential_id}", status_code=204, responses=error_responses(401, 403, 404)
)
async def delete_credential(
    session: Session, clock: AppClock, vault: AppVault, operator: Support, credential_id: Id
) -> Response:
    await actions.delete_credential(session, clock, vault, operator, credential_id)
    return Response(status_code=204)


@router.delete(
    "/users/{client_id}/{client_user_id}", status_code=204, responses=error_responses(401, 403, 404)
)
async def delete_user(
    session: Session,
    clock: AppClock,
    vault: AppVault,
    operator: Support,
    client_id: Id,
    client_user_id: str,
) -> Response:
    await actions.delete_user(session, clock, vault, operator, client_id, client_user_id)
    return Response(status_code=204)


@router.post(
    "/events/{event_id}/redeliver",
    status_code=202,
    response_model=RedeliveryOut,
    responses=error_responses(401, 403, 404, 409),
)
async def redeliver(
    session: Session, clock: AppClock, operator: Support, event_id: Id
) -> RedeliveryOut:
    return await actions.redeliver(session, clock, operator, event_id)
