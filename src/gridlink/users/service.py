from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.auth.service import AuthenticatedClient
from gridlink.credentials.service import shred_user_secrets
from gridlink.errors import NotFound
from gridlink.events.service import record_event
from gridlink.events.types import EventType
from gridlink.kit.clock import Clock
from gridlink.kit.pagination import Page, PageParams, build_page
from gridlink.kit.vault import Vault
from gridlink.users.repository import UserRepository
from gridlink.users.schemas import UserOut

USER_NOT_FOUND = (
    "No end user with this client_user_id. Users appear when you create their first connect "
    "token; list them with GET /v1/users."
)


async def list_users(
    session: AsyncSession, client: AuthenticatedClient, params: PageParams
) -> Page[UserOut]:
    users = await UserRepository(session).page(client.id, params.after, params.limit)
    items = [UserOut(client_user_id=u.client_user_id, created_at=u.created_at) for u in users]
    return build_page(items, [u.id for u in users], params.limit)


async def get_user(
    session: AsyncSession, client: AuthenticatedClient, client_user_id: str
) -> UserOut:
    user = await UserRepository(session).get(client.id, client_user_id)
    if user is None:
        raise NotFound(USER_NOT_FOUND)
    return UserOut(client_user_id=user.client_user_id, created_at=user.created_at)


async def delete_user(
    session: AsyncSession,
    clock: Clock,
    vault: Vault,
    client: AuthenticatedClient,
    client_user_id: str,
) -> None:
    """Remove the user and everything of theirs, destroying the vault records of their
    credentials first. Deleting an absent user is not an error; only an actual deletion records
    ``user_deleted`` (in the same transaction)."""
    users = UserRepository(session)
    user = await users.get(client.id, client_user_id)
    if user is None:
        return
    await shred_user_secrets(session, vault, client.id, user.id)
    if await users.delete(client.id, client_user_id):
        await record_event(
            session,
            clock,
            client_id=client.id,
            type=EventType.USER_DELETED,
            data={},
            client_user_id=client_user_id,
        )
