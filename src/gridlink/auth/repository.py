from __future__ import annotations

from datetime import datetime

from sqlalchemy import Row, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.models import AccessToken, Client, ClientSecret

# id, name, environment, allowed_origins, redirect_uris, sandbox clock offset, secret id
ClientRow = Row[str, str, str, list[str], list[str], int, str]

_CLIENT_COLUMNS = (
    Client.id,
    Client.name,
    Client.environment,
    Client.allowed_origins,
    Client.redirect_uris,
    Client.sandbox_clock_offset_seconds,
)


def _secret_alive(now: datetime):  # type: ignore[no-untyped-def]
    return or_(ClientSecret.expires_at.is_(None), ClientSecret.expires_at > now)


class AuthRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def client_by_secret(
        self, client_id: str, secret_hash: str, now: datetime
    ) -> ClientRow | None:
        query = (
            select(*_CLIENT_COLUMNS, ClientSecret.id)
            .join(Client, Client.id == ClientSecret.client_id)
            .where(
                ClientSecret.secret_hash == secret_hash,
                ClientSecret.client_id == client_id,
                _secret_alive(now),
            )
        )
        return (await self.session.execute(query)).first()

    async def client_by_access_token(self, token_hash: str, now: datetime) -> ClientRow | None:
        query = (
            select(*_CLIENT_COLUMNS, ClientSecret.id)
            .select_from(AccessToken)
            .join(ClientSecret, ClientSecret.id == AccessToken.client_secret_id)
            .join(Client, Client.id == AccessToken.client_id)
            .where(
                AccessToken.token_hash == token_hash,
                AccessToken.expires_at > now,
                _secret_alive(now),
            )
        )
        return (await self.session.execute(query)).first()

    async def add_access_token(self, token: AccessToken) -> None:
        self.session.add(token)
        await self.session.flush()

    async def purge_expired_access_tokens(self, now: datetime) -> int:
        result = await self.session.execute(
            delete(AccessToken).where(AccessToken.expires_at <= now)
        )
        return int(getattr(result, "rowcount", 0) or 0)
