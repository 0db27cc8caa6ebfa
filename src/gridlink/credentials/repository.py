from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.models import UtilityCredential


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
