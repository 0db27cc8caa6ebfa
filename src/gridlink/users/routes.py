from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Response
from starlette.convertors import PathConvertor, register_url_convertor

from gridlink.auth.dependencies import AppClock, AppVault, CurrentClient, Session
from gridlink.kit.openapi import error_responses, links
from gridlink.kit.pagination import Page, PageParams, page_params
from gridlink.users import service
from gridlink.users.schemas import UserOut

router = APIRouter(tags=["Users"])
USER = "/v1/users/{client_user_id}"


class _OpaqueIdConvertor(PathConvertor):
    """Like ``path`` (ids may hold '/'), but also across line breaks: ids are opaque, and every
    id a client could create must reach these routes (else: "No such endpoint")."""

    regex = "(?s:.*)"


register_url_convertor("opaque_id", _OpaqueIdConvertor())

UserIdPath = Annotated[
    str,
    Path(
        min_length=1,
        max_length=255,
        pattern=r"^[^\x00]*$",  # PostgreSQL text cannot hold NUL: 422, not a 500
        description="Your id for the end user.",
        examples=["3f2c8e0a-5b1d-4c8e-9a47-2d6f1b0c9e11"],
    ),
]


@router.get(
    "/users",
    summary="List end users",
    response_model=Page[UserOut],
    responses={
        **error_responses(401, 422),
        **links(
            200,
            GetUser=(f"GET {USER}", {"client_user_id": "$response.body#/data/0/client_user_id"}),
            DeleteUser=(
                f"DELETE {USER}",
                {"client_user_id": "$response.body#/data/0/client_user_id"},
            ),
        ),
    },
)
async def list_users(
    client: CurrentClient, session: Session, params: Annotated[PageParams, Depends(page_params)]
) -> Page[UserOut]:
    """Oldest first. Follow `next_cursor` until `has_more` is false."""
    return await service.list_users(session, client, params)


@router.get(
    "/users/{client_user_id:opaque_id}",
    summary="Get an end user",
    response_model=UserOut,
    responses=error_responses(401, 404, 422),
)
async def get_user(client: CurrentClient, session: Session, client_user_id: UserIdPath) -> UserOut:
    return await service.get_user(session, client, client_user_id)


@router.delete(
    "/users/{client_user_id:opaque_id}",
    summary="Delete an end user and everything of theirs",
    status_code=204,
    response_class=Response,
    responses=error_responses(401, 422),
)
async def delete_user(
    client: CurrentClient,
    session: Session,
    clock: AppClock,
    vault: AppVault,
    client_user_id: UserIdPath,
) -> Response:
    """Removes the user's utility credentials, tokens and data. Idempotent: deleting a user that
    does not exist (or no longer exists) also answers 204. An actual deletion sends the
    `user_deleted` event. The encryption keys of their utility passwords and MFA sessions are
    destroyed, so those can never be read again."""
    await service.delete_user(session, clock, vault, client, client_user_id)
    return Response(status_code=204)
