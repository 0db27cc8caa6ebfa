from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.credentials.methods import CredentialMethod
from gridlink.models import User, UtilityCredential


class UploadRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def lock_user(self, user_id: str) -> None:
        """Hold the end user's row until the transaction ends (PostgreSQL; SQLite writes one
        transaction at a time anyway)."""
        if self.session.get_bind().dialect.name == "postgresql":
            await self.session.scalar(select(User.id).where(User.id == user_id).with_for_update())

    async def file_credential(self, user_id: str, utility_id: str) -> UtilityCredential | None:
        """The end user's file credential at this utility (the oldest, should there be two)."""
        query = (
            select(UtilityCredential)
            .where(
                UtilityCredential.user_id == user_id,
                UtilityCredential.utility_id == utility_id,
                UtilityCredential.method == CredentialMethod.FILE.value,
            )
            .order_by(UtilityCredential.id)
            .limit(1)
        )
        return await self.session.scalar(query)

    async def add(self, credential: UtilityCredential) -> None:
        self.session.add(credential)
        await self.session.flush()
