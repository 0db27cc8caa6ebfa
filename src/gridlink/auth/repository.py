from __future__ import annotations

from datetime import datetime

from sqlalchemy import BindParameter, ColumnElement, Row, bindparam, delete, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.models import (
    AccessToken,
    Client,
    ClientSecret,
    ConnectionAttempt,
    User,
    UtilityCredential,
)

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

    async def redeem_authorization_code(
        self, client_id: str, code_hash: str, now: datetime
    ) -> str | None:
        """Spend the code: one conditional UPDATE, so of any number of concurrent exchanges
        exactly one changes the row (the others find ``authorization_code_used_at`` set).
        Returns the attempt's credential id, or None when nothing was spent."""
        statement = (
            update(ConnectionAttempt)
            .where(
                ConnectionAttempt.authorization_code_hash == code_hash,
                ConnectionAttempt.client_id == client_id,
                ConnectionAttempt.authorization_code_used_at.is_(None),
                ConnectionAttempt.authorization_code_expires_at > now,
            )
            .values(authorization_code_used_at=now)
            .returning(ConnectionAttempt.credential_id)
            .execution_options(synchronize_session=False)
        )
        return (await self.session.execute(statement)).scalar_one_or_none()

    async def credential_owner(self, credential_id: str) -> tuple[str, str] | None:
        """(client_user_id, utility_id) of a credential."""
        query = (
            select(User.client_user_id, UtilityCredential.utility_id)
            .join(User, User.id == UtilityCredential.user_id)
            .where(UtilityCredential.id == credential_id)
        )
        row = (await self.session.execute(query)).first()
        return None if row is None else (row[0], row[1])
