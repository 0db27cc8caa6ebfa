from __future__ import annotations

from datetime import datetime
from typing import NamedTuple

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.models import (
    Client,
    ConnectSession,
    ConnectToken,
)


def _locking(session: AsyncSession) -> bool:
    """Row locks exist on PostgreSQL; SQLite serializes writers anyway (one at a time)."""
    return session.get_bind().dialect.name == "postgresql"


def _source(token_id: str | None, link_id: str | None) -> ColumnElement[bool]:
    """The sessions one connect token or one connect link opened."""
    if token_id is not None:
        return ConnectSession.connect_token_id == token_id
    assert link_id is not None
    return ConnectSession.connect_link_id == link_id


class ClientView(NamedTuple):
    """What a widget session needs of its client."""

    name: str
    environment: str
    clock_offset_seconds: int
    logo_url: str | None
    accent_color: str | None


class ConnectTokenRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, token: ConnectToken) -> None:
        self.session.add(token)
        await self.session.flush()

    async def purge_expired(self, before: datetime) -> int:
        result = await self.session.execute(
            delete(ConnectToken).where(ConnectToken.expires_at <= before)
        )
        return int(getattr(result, "rowcount", 0) or 0)

    async def lock_openable(self, token_hash: str, now: datetime) -> ConnectToken | None:
        """The token if it may open Connect (unexpired, no connection succeeded with it), locked
        until the transaction ends: an open and the success that spends the token then run one
        after the other, so no session opens unseen by the success that ends its siblings."""
        query = select(ConnectToken).where(
            ConnectToken.token_hash == token_hash,
            ConnectToken.used_at.is_(None),
            ConnectToken.expires_at > now,
        )
        if _locking(self.session):
            query = query.with_for_update()
        return await self.session.scalar(query.execution_options(populate_existing=True))

    async def lock(self, token_id: str) -> ConnectToken | None:
        return await self.session.get(
            ConnectToken, token_id, populate_existing=True, with_for_update=_locking(self.session)
        )

    async def mark_used(self, token_id: str, now: datetime) -> bool:
        """Spend the token (a connection succeeded with it). One conditional UPDATE: of two
        racing successes, one wins."""
        result = await self.session.execute(
            update(ConnectToken)
            .where(ConnectToken.id == token_id, ConnectToken.used_at.is_(None))
            .values(used_at=now)
            .execution_options(synchronize_session=False)
        )
        return bool(getattr(result, "rowcount", 0))


class ConnectSessionRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def add(self, connect_session: ConnectSession) -> None:
        self.session.add(connect_session)
        await self.session.flush()

    async def by_hash(self, session_hash: str) -> ConnectSession | None:
        return await self.session.scalar(
            select(ConnectSession).where(ConnectSession.session_hash == session_hash)
        )

    async def get(self, session_id: str) -> ConnectSession | None:
        return await self.session.get(ConnectSession, session_id)

    async def lock(self, session_id: str) -> ConnectSession | None:
        return await self.session.get(
            ConnectSession,
            session_id,
            populate_existing=True,
            with_for_update=_locking(self.session),
        )

    async def failed_logins_of(self, *, token_id: str | None, link_id: str | None) -> int:
        """Failed sign-ins in every session one token or link opened."""
        total = await self.session.scalar(
            select(func.coalesce(func.sum(ConnectSession.failed_logins), 0)).where(
                _source(token_id, link_id)
            )
        )
        return int(total or 0)

    async def end(
        self,
        *,
        token_id: str | None,
        link_id: str | None,
        now: datetime,
        reason: str,
        except_id: str | None = None,
    ) -> list[str]:
        """End the sessions a token or link opened (all, or all but ``except_id``): their
        bearers stop working and nothing in them may verify. Returns the ids ended now."""
        query = select(ConnectSession.id).where(
            _source(token_id, link_id), ConnectSession.ended_at.is_(None)
        )
        if except_id is not None:
            query = query.where(ConnectSession.id != except_id)
        ids = list((await self.session.scalars(query)).all())
        if ids:
            await self.session.execute(
                update(ConnectSession)
                .where(ConnectSession.id.in_(ids), ConnectSession.ended_at.is_(None))
                .values(
                    ended_at=now,
                    end_reason=reason,
                    closed_at=func.coalesce(ConnectSession.closed_at, now),
                )
                .execution_options(synchronize_session="fetch")
            )
        return ids

    async def claim_ticket(self, ticket_hash: str, now: datetime) -> ConnectSession | None:
        """Mark an unused, unexpired frame ticket used and return its session, else None.

        One conditional UPDATE, so a ticket replayed concurrently is traded only once.
        """
        result = await self.session.execute(
            update(ConnectSession)
            .where(
                ConnectSession.ticket_hash == ticket_hash,
                ConnectSession.ticket_used_at.is_(None),
                ConnectSession.ticket_expires_at > now,
            )
            .values(ticket_used_at=now)
        )
        if not getattr(result, "rowcount", 0):
            return None
        return await self.session.scalar(
            select(ConnectSession).where(ConnectSession.ticket_hash == ticket_hash)
        )

    async def client_origins(self, client_id: str) -> list[str] | None:
        """The client's registered origins, or None for an unknown client."""
        origins = await self.session.scalar(
            select(Client.allowed_origins).where(Client.id == client_id)
        )
        return None if origins is None else list(origins)

    async def made_by_operator(self, connect_token_id: str) -> bool:
        """Whether an operator made this connect token in the dashboard."""
        operator = await self.session.scalar(
            select(ConnectToken.operator_id).where(ConnectToken.id == connect_token_id)
        )
        return operator is not None

    async def client_page(self, client_id: str) -> tuple[list[str], str | None] | None:
        """(registered origins, logo URL) of a client, or None for an unknown client."""
        row = (
            await self.session.execute(
                select(Client.allowed_origins, Client.logo_url).where(Client.id == client_id)
            )
        ).first()
        return None if row is None else (list(row[0]), row[1])

    async def client_view(self, client_id: str) -> ClientView | None:
        row = (
            await self.session.execute(
                select(
                    Client.name,
                    Client.environment,
                    Client.sandbox_clock_offset_seconds,
                    Client.logo_url,
                    Client.accent_color,
                ).where(Client.id == client_id)
            )
        ).first()
        return None if row is None else ClientView(row[0], row[1], int(row[2]), row[3], row[4])
