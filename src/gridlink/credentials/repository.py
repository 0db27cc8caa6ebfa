from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

from sqlalchemy import Select, delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.credentials.schemas import CredentialFilters
from gridlink.models import ConnectionAttempt, User, Utility, UtilityCredential, UtilitySync


class CredentialView(NamedTuple):
    """A credential with what its API answer shows besides the row: the end user's id, the
    utility's name and its sync state (none before its first verification)."""

    credential: UtilityCredential
    client_user_id: str
    utility_name: str
    sync: UtilitySync | None = None


def _view_query(client_id: str) -> Select[UtilityCredential, str, str, UtilitySync]:
    return (
        select(
            UtilityCredential,
            User.client_user_id,
            func.coalesce(Utility.name, UtilityCredential.utility_id),
            UtilitySync,
        )
        .join(User, User.id == UtilityCredential.user_id)
        .outerjoin(Utility, Utility.id == UtilityCredential.utility_id)
        .outerjoin(UtilitySync, UtilitySync.credential_id == UtilityCredential.id)
        .where(UtilityCredential.client_id == client_id)
    )


class CredentialRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def get_for_client(self, client_id: str, credential_id: str) -> UtilityCredential | None:
        query = select(UtilityCredential).where(
            UtilityCredential.id == credential_id, UtilityCredential.client_id == client_id
        )
        return await self.session.scalar(query)

    async def latest_for_user_at_utility(
        self, user_id: str, utility_id: str
    ) -> UtilityCredential | None:
        query = (
            select(UtilityCredential)
            .where(UtilityCredential.user_id == user_id, UtilityCredential.utility_id == utility_id)
            .order_by(UtilityCredential.id.desc())
            .limit(1)
        )
        return await self.session.scalar(query)

    async def client_user_id(self, user_id: str) -> str:
        value = await self.session.scalar(select(User.client_user_id).where(User.id == user_id))
        assert value is not None
        return value

    async def view(self, client_id: str, credential_id: str) -> CredentialView | None:
        row = (
            await self.session.execute(
                _view_query(client_id).where(UtilityCredential.id == credential_id)
            )
        ).first()
        return None if row is None else CredentialView(*row)

    async def page(
        self, client_id: str, filters: CredentialFilters, after: str | None, limit: int
    ) -> list[CredentialView]:
        query = _view_query(client_id)
        if filters.client_user_id is not None:
            query = query.where(User.client_user_id == filters.client_user_id)
        if filters.utility_id is not None:
            query = query.where(UtilityCredential.utility_id == filters.utility_id)
        if filters.status is not None:
            query = query.where(UtilityCredential.status == filters.status)
        if filters.status_detail is not None:
            query = query.where(UtilityCredential.status_detail == filters.status_detail)
        if filters.action_required is not None:
            query = query.where(UtilityCredential.action_required == filters.action_required)
        if after is not None:
            query = query.where(UtilityCredential.id > after)
        query = query.order_by(UtilityCredential.id).limit(limit + 1)
        return [CredentialView(*row) for row in (await self.session.execute(query)).all()]

    async def lock_ids(
        self, client_id: str, *, credential_id: str | None = None, user_id: str | None = None
    ) -> list[str]:
        """Ids of the client's credentials (one, or one user's), locked on PostgreSQL until the
        transaction ends so nothing seals new secrets for them while they are deleted.

        Their sync rows are locked first: the order every writer takes (a sync step holds its
        sync row, then the credential; a verification too), so a deletion waits for a running
        sync step instead of deadlocking with it."""
        query = select(UtilityCredential.id).where(UtilityCredential.client_id == client_id)
        if credential_id is not None:
            query = query.where(UtilityCredential.id == credential_id)
        if user_id is not None:
            query = query.where(UtilityCredential.user_id == user_id)
        query = query.order_by(UtilityCredential.id)
        if self.session.get_bind().dialect.name == "postgresql":
            ids = list((await self.session.scalars(query)).all())
            if ids:
                await self.session.scalars(
                    select(UtilitySync.id)
                    .where(UtilitySync.credential_id.in_(ids))
                    .order_by(UtilitySync.id)
                    .with_for_update()
                )
            query = query.with_for_update()
        return list((await self.session.scalars(query)).all())

    async def attempt_ids(self, credential_ids: Sequence[str]) -> list[str]:
        if not credential_ids:
            return []
        query = select(ConnectionAttempt.id).where(
            ConnectionAttempt.credential_id.in_(list(credential_ids))
        )
        return list((await self.session.scalars(query)).all())

    async def delete(self, client_id: str, credential_id: str) -> bool:
        """Delete the row; its accounts, connect links, sessions and attempts go with it
        (ON DELETE CASCADE)."""
        result = await self.session.execute(
            delete(UtilityCredential).where(
                UtilityCredential.id == credential_id, UtilityCredential.client_id == client_id
            )
        )
        return bool(getattr(result, "rowcount", 0))
