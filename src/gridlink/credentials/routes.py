from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Query, Response

from gridlink.auth.dependencies import AppVault, CurrentClient, Session
from gridlink.credentials import service
from gridlink.credentials.schemas import CredentialFilters, CredentialStatus, UtilityCredentialOut
from gridlink.kit.openapi import error_responses, links
from gridlink.kit.pagination import Page, PageParams, page_params

router = APIRouter(tags=["Utility credentials"])
CREDENTIAL = "/v1/utility_credentials/{utility_credential_id}"
FIRST_CREDENTIAL = {"utility_credential_id": "$response.body#/data/0/id"}

# No NUL characters: no id can hold one, and PostgreSQL refuses them in text.
TEXT = r"^[^\x00]*$"

CredentialIdPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=40,
        description="The utility credential's id.",
        examples=["ucr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S"],
    ),
]


def credential_filters(
    client_user_id: Annotated[
        str | None,
        Query(min_length=1, max_length=255, pattern=TEXT, description="Only this end user's."),
    ] = None,
    utility_id: Annotated[
        str | None,
        Query(min_length=1, max_length=100, pattern=TEXT, description="Only at this utility."),
    ] = None,
    status: Annotated[CredentialStatus | None, Query(description="Only this status.")] = None,
    status_detail: Annotated[
        str | None,
        Query(
            min_length=1,
            max_length=60,
            pattern=r"^[A-Z_]+$",
            description="Only this status detail, e.g. INVALID_CREDENTIALS.",
        ),
    ] = None,
    action_required: Annotated[
        bool | None, Query(description="Only those that need (true) or do not need the end user.")
    ] = None,
) -> CredentialFilters:
    return CredentialFilters(
        client_user_id=client_user_id,
        utility_id=utility_id,
        status=status,
        status_detail=status_detail,
        action_required=action_required,
    )


@router.get(
    "/utility_credentials",
    summary="List utility credentials",
    response_model=Page[UtilityCredentialOut],
    responses={
        **error_responses(401, 422),
        **links(
            200,
            GetCredential=(f"GET {CREDENTIAL}", FIRST_CREDENTIAL),
            DeleteCredential=(f"DELETE {CREDENTIAL}", FIRST_CREDENTIAL),
            CreateConnectLink=(f"POST {CREDENTIAL}/connect_link", FIRST_CREDENTIAL),
            ListConnectLinks=(f"GET {CREDENTIAL}/connect_links", FIRST_CREDENTIAL),
        ),
    },
)
async def list_credentials(
    client: CurrentClient,
    session: Session,
    filters: Annotated[CredentialFilters, Depends(credential_filters)],
    params: Annotated[PageParams, Depends(page_params)],
) -> Page[UtilityCredentialOut]:
    """Oldest first; filters combine. Follow `next_cursor` until `has_more` is false. Polling
    this (e.g. `?action_required=true`) works as well as webhooks."""
    return await service.list_credentials(session, client, filters, params)


@router.get(
    "/utility_credentials/{utility_credential_id}",
    summary="Get a utility credential",
    response_model=UtilityCredentialOut,
    responses=error_responses(401, 404, 422),
)
async def get_credential(
    client: CurrentClient, session: Session, utility_credential_id: CredentialIdPath
) -> UtilityCredentialOut:
    """Its status, why (`status_detail`), whether the end user must act (`action_required`)
    and when the utility's MFA session ends."""
    return await service.get_credential(session, client, utility_credential_id)


@router.delete(
    "/utility_credentials/{utility_credential_id}",
    summary="Revoke a utility credential and delete its data",
    status_code=204,
    response_class=Response,
    responses=error_responses(401, 422),
)
async def delete_credential(
    client: CurrentClient,
    session: Session,
    vault: AppVault,
    utility_credential_id: CredentialIdPath,
) -> Response:
    """Destroys the encryption key of its password and MFA session (they can never be read
    again), then deletes it with its utility accounts, connect links and connection attempts.
    Idempotent: an unknown or already deleted id also answers 204."""
    await service.delete_credential(session, vault, client, utility_credential_id)
    return Response(status_code=204)
