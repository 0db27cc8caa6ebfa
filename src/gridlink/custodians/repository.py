from __future__ import annotations

from collections.abc import Iterable, Sequence

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.credentials.methods import CredentialMethod
from gridlink.models import (
    GreenButtonAuthorization,
    GreenButtonCustodian,
    GreenButtonGrant,
    UtilityCredential,
)


class CustodianRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    # -- custodians -------------------------------------------------------------------------

    async def add(self, custodian: GreenButtonCustodian) -> None:
        self.session.add(custodian)
        await self.session.flush()

    async def get(self, custodian_id: str) -> GreenButtonCustodian | None:
        return await self.session.get(GreenButtonCustodian, custodian_id)

    async def for_utility(self, utility_id: str) -> GreenButtonCustodian | None:
        return await self.session.scalar(
            select(GreenButtonCustodian).where(GreenButtonCustodian.utility_id == utility_id)
        )

    async def every(self) -> Sequence[GreenButtonCustodian]:
        query = select(GreenButtonCustodian).order_by(GreenButtonCustodian.utility_id)
        return (await self.session.scalars(query)).all()

    async def remove(self, custodian: GreenButtonCustodian) -> None:
        await self.session.delete(custodian)
        await self.session.flush()

    async def utilities_with_custodian(self, utility_ids: Iterable[str]) -> set[str]:
        ids = list(utility_ids)
        if not ids:
            return set()
        query = select(GreenButtonCustodian.utility_id).where(
            GreenButtonCustodian.utility_id.in_(ids)
        )
        return set((await self.session.scalars(query)).all())

    # -- trips to the authorization page -----------------------------------------------------

    async def add_authorization(self, authorization: GreenButtonAuthorization) -> None:
        self.session.add(authorization)
        await self.session.flush()

    async def authorization_by_state(self, state_hash: str) -> GreenButtonAuthorization | None:
        query = (
            select(GreenButtonAuthorization)
            .where(GreenButtonAuthorization.state_hash == state_hash)
            .with_for_update()
        )
        return await self.session.scalar(query)

    async def authorization_in_session(
        self, session_id: str, authorization_id: str
    ) -> GreenButtonAuthorization | None:
        return await self.session.scalar(
            select(GreenButtonAuthorization).where(
                GreenButtonAuthorization.id == authorization_id,
                GreenButtonAuthorization.session_id == session_id,
            )
        )

    async def authorization_of_attempt(self, attempt_id: str) -> GreenButtonAuthorization | None:
        return await self.session.scalar(
            select(GreenButtonAuthorization).where(
                GreenButtonAuthorization.attempt_id == attempt_id
            )
        )

    # -- grants -----------------------------------------------------------------------------

    async def grant(self, credential_id: str) -> GreenButtonGrant | None:
        return await self.session.get(GreenButtonGrant, credential_id)

    async def save_grant(self, grant: GreenButtonGrant) -> None:
        await self.session.merge(grant)
        await self.session.flush()

    async def drop_grant(self, credential_id: str) -> None:
        await self.session.execute(
            delete(GreenButtonGrant).where(GreenButtonGrant.credential_id == credential_id)
        )

    async def credentials_reading(
        self, custodian_id: str, resource_uris: Sequence[str]
    ) -> Sequence[str]:
        """The verified credentials whose subscription is one of ``resource_uris``."""
        if not resource_uris:
            return []
        query = (
            select(GreenButtonGrant.credential_id)
            .join(UtilityCredential, UtilityCredential.id == GreenButtonGrant.credential_id)
            .where(
                GreenButtonGrant.custodian_id == custodian_id,
                GreenButtonGrant.resource_uri.in_(list(resource_uris)),
                UtilityCredential.status == "verified",
            )
            .order_by(GreenButtonGrant.credential_id)
        )
        return (await self.session.scalars(query)).all()

    async def green_button_credential(
        self, user_id: str, utility_id: str
    ) -> UtilityCredential | None:
        """The end user's Connect My Data credential at this utility (the oldest)."""
        query = (
            select(UtilityCredential)
            .where(
                UtilityCredential.user_id == user_id,
                UtilityCredential.utility_id == utility_id,
                UtilityCredential.method == CredentialMethod.GREEN_BUTTON.value,
            )
            .order_by(UtilityCredential.id)
            .limit(1)
        )
        return await self.session.scalar(query)
