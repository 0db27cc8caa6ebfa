from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Response

from gridlink.auth.dependencies import AppClock, AppSettings, CurrentClient, Session, current_client
from gridlink.credentials.routes import CredentialIdPath
from gridlink.idempotency.dependencies import idempotent_for
from gridlink.kit.openapi import error_responses, links
from gridlink.kit.pagination import Page, PageParams, page_params
from gridlink.links import service
from gridlink.links.schemas import ConnectLinkCreated, ConnectLinkIn, ConnectLinkOut

router = APIRouter(tags=["Connect links"])

LinkIdPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=40,
        description="The connect link's id.",
        examples=["clk_01JD3Q2V7S9X8Y6Z5W4V3U2T1S"],
    ),
]


@router.post(
    "/utility_credentials/{utility_credential_id}/connect_link",
    summary="Create a connect link to repair a credential",
    status_code=201,
    response_model=ConnectLinkCreated,
    dependencies=[Depends(idempotent_for(current_client))],
    responses={
        **error_responses(401, 404, 409, 422),
        **links(
            201,
            RevokeConnectLink=(
                "DELETE /v1/connect_links/{connect_link_id}",
                {"connect_link_id": "$response.body#/id"},
            ),
            ListConnectLinks=(
                "GET /v1/utility_credentials/{utility_credential_id}/connect_links",
                {"utility_credential_id": "$request.path.utility_credential_id"},
            ),
        ),
    },
)
async def create_link(
    client: CurrentClient,
    session: Session,
    clock: AppClock,
    settings: AppSettings,
    utility_credential_id: CredentialIdPath,
    body: Annotated[ConnectLinkIn, Body()] = ConnectLinkIn(),  # noqa: B008 (an empty body)
) -> ConnectLinkCreated:
    """For end users your app cannot reach in-app (email, text message): the URL opens Connect
    full-page in update mode for this credential only. It works for 72 hours, until the end
    user completes it once, or until you revoke it. The URL is in this answer only (we store a
    hash); send it as it is — its token is in the fragment, which never reaches a server log.
    With `redirect_uri` (one of your registered redirect URIs) the page's result screens offer
    "Return to {your app}"."""
    return await service.create_link(
        session,
        clock,
        settings.resolved_public_url(),
        client,
        utility_credential_id,
        body.redirect_uri,
    )


@router.get(
    "/utility_credentials/{utility_credential_id}/connect_links",
    summary="List a credential's connect links",
    response_model=Page[ConnectLinkOut],
    responses=error_responses(401, 404, 422),
)
async def list_links(
    client: CurrentClient,
    session: Session,
    clock: AppClock,
    utility_credential_id: CredentialIdPath,
    params: Annotated[PageParams, Depends(page_params)],
) -> Page[ConnectLinkOut]:
    """Oldest first, each with its status; never the URL."""
    return await service.list_links(session, clock, client, utility_credential_id, params)


@router.delete(
    "/connect_links/{connect_link_id}",
    summary="Revoke a connect link",
    status_code=204,
    response_class=Response,
    responses=error_responses(401, 422),
)
async def revoke_link(
    client: CurrentClient, session: Session, clock: AppClock, connect_link_id: LinkIdPath
) -> Response:
    """The link stops working at once. Idempotent: an unknown, used or already revoked link
    also answers 204."""
    await service.revoke_link(session, clock, client, connect_link_id)
    return Response(status_code=204)
