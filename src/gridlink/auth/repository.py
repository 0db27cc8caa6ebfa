from __future__ import annotations

from datetime import datetime

from sqlalchemy import BindParameter, ColumnElement, Row, bindparam, delete, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.models import AccessToken, Client, ClientSecret

# id, name, environment, allowed_origins, redirect_uris, secret id
ClientRow = Row[str, str, str, list[str], list[str], str]

_CLIENT_COLUMNS = (
    Client.id,
    Client.name,
    Client.environment,
    Client.allowed_origins,
    Client.redirect_uris,
)


# The lookups behind every authenticated request, built once with bound parameters: SQLAlchemy
# memoizes a statement's cache key, so a prebuilt statement skips rebuilding the expression and
# its key per request (a measurable share of the lookup's CPU; see bench/README.md).
_NOW: BindParameter[datetime] = bindparam("now")


def _secret_alive() -> ColumnElement[bool]:
    return or_(ClientSecret.expires_at.is_(None), ClientSecret.expires_at > _NOW)


_CLIENT_BY_SECRET = (
    select(*_CLIENT_COLUMNS, ClientSecret.id)
    .join(Client, Client.id == ClientSecret.client_id)
    .where(
        ClientSecret.secret_hash == bindparam("secret_hash"),
        ClientSecret.client_id == bindparam("client_id"),
        _secret_alive(),
    )
)

_CLIENT_BY_ACCESS_TOKEN = (
    select(*_CLIENT_COLUMNS, ClientSecret.id)
    .select_from(AccessToken)
    .join(ClientSecret, ClientSecret.id == AccessToken.client_secret_id)
    .join(Client, Client.id == AccessToken.client_id)
    .where(
        AccessToken.token_hash == bindparam("token_hash"),
        AccessToken.expires_at > _NOW,
        _secret_alive(),
    )
)


class AuthRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def client_by_secret(
        self, client_id: str, secret_hash: str, now: datetime
    ) -> ClientRow | None:
        params = {"client_id": client_id, "secret_hash": secret_hash, "now": now}
        return (await self.session.execute(_CLIENT_BY_SECRET, params)).first()

    async def client_by_access_token(self, token_hash: str, now: datetime) -> ClientRow | None:
        params = {"token_hash": token_hash, "now": now}
        return (await self.session.execute(_CLIENT_BY_ACCESS_TOKEN, params)).first()

    async def add_access_token(self, token: AccessToken) -> None:
        self.session.add(token)
        await self.session.flush()

    async def purge_expired_access_tokens(self, now: datetime) -> int:
        result = await self.session.execute(
            delete(AccessToken).where(AccessToken.expires_at <= now)
        )
        return int(getattr(result, "rowcount", 0) or 0)
