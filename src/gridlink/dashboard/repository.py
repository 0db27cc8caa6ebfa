"""The dashboard's SQL: lists across the clients an operator sees, and the overview's counts.

``clients`` is the set of client ids the operator may see, or None for every client; every
query here is limited by it, so another client's rows never reach a page or a count.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Literal, NamedTuple, get_args

from sqlalchemy import Select, and_, case, false, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from gridlink.dashboard.schemas import AttentionKey, CredentialQuery, SortKey
from gridlink.models import (
    Client,
    ConnectLink,
    Event,
    User,
    Utility,
    UtilityCredential,
    UtilityStatement,
    UtilitySync,
    WebhookDelivery,
    WebhookDeliveryAttempt,
    WebhookEndpoint,
)

Visible = frozenset[str] | None


def _within(column: Any, clients: Visible) -> ColumnElement[bool]:
    if clients is None:
        return column.is_not(None)  # type: ignore[no-any-return]
    if not clients:
        return false()
    return column.in_(sorted(clients))  # type: ignore[no-any-return]


ATTENTION_KEYS: tuple[AttentionKey, ...] = get_args(AttentionKey)
# Counted in the overview's scan of the credentials. syncs_failing is counted on its own: its
# condition is a lookup in utility_syncs, which costs a scan per row (a third of the overview
# on SQLite) but is a short index search when asked alone.
SCANNED_KEYS: tuple[AttentionKey, ...] = tuple(k for k in ATTENTION_KEYS if k != "syncs_failing")


class StatusGroup(NamedTuple):
    status: str
    status_detail: str | None
    credentials: int
    attention: dict[AttentionKey, int]


class CredentialRowView(NamedTuple):
    credential: UtilityCredential
    client_user_id: str
    utility_name: str
    client_name: str


class Position(NamedTuple):
    """Where a page of credentials starts: after this row in the chosen order."""

    id: str
    updated_at: datetime | None = None


def _credential_query() -> Select[UtilityCredential, str, str, str]:
    return (
        select(
            UtilityCredential,
            User.client_user_id,
            func.coalesce(Utility.name, UtilityCredential.utility_id),
            Client.name,
        )
        .join(User, User.id == UtilityCredential.user_id)
        .join(Client, Client.id == UtilityCredential.client_id)
        .outerjoin(Utility, Utility.id == UtilityCredential.utility_id)
    )


REFRESH_REQUIRED = "MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED"
UNAVAILABLE = "UTILITY_UNAVAILABLE"
EXPIRING_WITHIN = timedelta(days=7)


def attention(key: AttentionKey, now: datetime) -> ColumnElement[bool]:
    """The one definition of each "needs attention" count and filter."""
    row = UtilityCredential
    if key == "mfa_refresh_required":
        return row.status_detail == REFRESH_REQUIRED
    if key == "mfa_expiring_soon":
        # On the real clock: a sandbox client's moved clock is for its utility-side rules, and
        # a week's horizon is what an operator plans with.
        return and_(
            row.status == "verified",
            row.mfa_session_expires_at >= now,
            row.mfa_session_expires_at < now + EXPIRING_WITHIN,
        )
    if key == "revoked":  # rejected after working, for anything but an MFA refresh
        return and_(
            row.status == "rejected",
            or_(row.status_detail.is_(None), row.status_detail != REFRESH_REQUIRED),
        )
    if key == "utility_unavailable":
        return row.status_detail == UNAVAILABLE
    if key == "syncs_failing":
        failing = select(UtilitySync.credential_id).where(UtilitySync.state == "retrying")
        return row.id.in_(failing)
    return row.action_required.is_(True)


def _credential_filters(
    query: CredentialQuery, clients: Visible, now: datetime
) -> list[ColumnElement[bool]]:
    where = [_within(UtilityCredential.client_id, clients)]
    if query.attention is not None:
        where.append(attention(query.attention, now))
    if query.client_id is not None:
        where.append(UtilityCredential.client_id == query.client_id)
    if query.status is not None:
        where.append(UtilityCredential.status == query.status)
    if query.status_detail is not None:
        where.append(UtilityCredential.status_detail == query.status_detail)
    if query.utility_id is not None:
        where.append(UtilityCredential.utility_id == query.utility_id)
    if query.action_required is not None:
        where.append(UtilityCredential.action_required == query.action_required)
    if query.created_from is not None:
        where.append(UtilityCredential.created_at >= query.created_from)
    if query.created_to is not None:
        where.append(UtilityCredential.created_at < query.created_to)
    if query.client_user_id is not None:
        users = select(User.id).where(User.client_user_id == query.client_user_id)
        where.append(UtilityCredential.user_id.in_(users))
    return where


def _after(sort: SortKey, position: Position) -> ColumnElement[bool]:
    ident = UtilityCredential.id
    if sort in ("created_at", "-created_at"):
        return ident > position.id if sort == "created_at" else ident < position.id
    stamp = UtilityCredential.updated_at
    assert position.updated_at is not None
    if sort == "updated_at":
        return or_(
            stamp > position.updated_at, and_(stamp == position.updated_at, ident > position.id)
        )
    return or_(stamp < position.updated_at, and_(stamp == position.updated_at, ident < position.id))


def _order(sort: SortKey) -> list[Any]:
    ident, stamp = UtilityCredential.id, UtilityCredential.updated_at
    orders: dict[str, list[Any]] = {
        "created_at": [ident],
        "-created_at": [ident.desc()],
        "updated_at": [stamp, ident],
        "-updated_at": [stamp.desc(), ident.desc()],
    }
    return orders[sort]


# The records an operator acts on by id, each with its client's id beside it.
Owned = Literal["credential", "statement", "link", "event", "webhook_endpoint"]
_OWNED: dict[str, Any] = {
    "credential": UtilityCredential,
    "statement": UtilityStatement,
    "link": ConnectLink,
    "event": Event,
    "webhook_endpoint": WebhookEndpoint,
}


class DashboardRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def owner(self, kind: Owned, record_id: str) -> str | None:
        """The id of the client a record belongs to; None for an unknown record."""
        model = _OWNED[kind]
        owner: str | None = await self.session.scalar(
            select(model.client_id).where(model.id == record_id)
        )
        return owner

    # Credentials

    async def credential_page(
        self,
        query: CredentialQuery,
        clients: Visible,
        now: datetime,
        after: Position | None,
        limit: int,
    ) -> list[CredentialRowView]:
        where = _credential_filters(query, clients, now)
        if after is not None:
            where.append(_after(query.sort, after))
        statement = _credential_query().where(*where).order_by(*_order(query.sort)).limit(limit + 1)
        return [CredentialRowView(*row) for row in (await self.session.execute(statement)).all()]

    async def credential_count(
        self, query: CredentialQuery, clients: Visible, now: datetime
    ) -> int:
        where = _credential_filters(query, clients, now)
        statement = select(func.count()).select_from(UtilityCredential).where(*where)
        return int(await self.session.scalar(statement) or 0)

    async def user_credential_ids(self, user_id: str) -> list[str]:
        statement = (
            select(UtilityCredential.id)
            .where(UtilityCredential.user_id == user_id)
            .order_by(UtilityCredential.id.desc())
        )
        return list((await self.session.scalars(statement)).all())

    # Overview

    async def overview_counts(
        self, clients: Visible, client_id: str | None, now: datetime
    ) -> list[StatusGroup]:
        """Credentials per (status, status detail), each with how many of them count for every
        attention key: one scan of the table, whatever the number of keys."""
        where = [_within(UtilityCredential.client_id, clients)]
        if client_id is not None:
            where.append(UtilityCredential.client_id == client_id)
        sums = [func.sum(case((attention(key, now), 1), else_=0)) for key in SCANNED_KEYS]
        statement = (
            select(UtilityCredential.status, UtilityCredential.status_detail, func.count(), *sums)
            .where(*where)
            .group_by(UtilityCredential.status, UtilityCredential.status_detail)
        )
        return [
            StatusGroup(
                status, detail, int(count), dict(zip(SCANNED_KEYS, map(int, rest), strict=True))
            )
            for status, detail, count, *rest in (await self.session.execute(statement)).all()
        ]

    async def failing_endpoints(
        self, clients: Visible, client_id: str | None
    ) -> list[WebhookEndpoint]:
        where = [
            _within(WebhookEndpoint.client_id, clients),
            or_(WebhookEndpoint.failing_since.is_not(None), WebhookEndpoint.enabled.is_(False)),
        ]
        if client_id is not None:
            where.append(WebhookEndpoint.client_id == client_id)
        statement = select(WebhookEndpoint).where(*where).order_by(WebhookEndpoint.id).limit(50)
        return list((await self.session.scalars(statement)).all())

    async def last_status_codes(self, endpoint_ids: Sequence[str]) -> dict[str, int | None]:
        """Each endpoint's most recent attempt's status code."""
        if not endpoint_ids:
            return {}
        latest = (
            select(func.max(WebhookDeliveryAttempt.id))
            .where(WebhookDeliveryAttempt.endpoint_id.in_(list(endpoint_ids)))
            .group_by(WebhookDeliveryAttempt.endpoint_id)
        )
        statement = select(
            WebhookDeliveryAttempt.endpoint_id, WebhookDeliveryAttempt.status_code
        ).where(WebhookDeliveryAttempt.id.in_(latest))
        return {endpoint: code for endpoint, code in (await self.session.execute(statement)).all()}

    # Detail

    async def links(self, credential_id: str) -> list[ConnectLink]:
        statement = (
            select(ConnectLink)
            .where(ConnectLink.credential_id == credential_id)
            .order_by(ConnectLink.id.desc())
            .limit(50)
        )
        return list((await self.session.scalars(statement)).all())

    # Users

    async def user_page(
        self,
        clients: Visible,
        client_id: str | None,
        client_user_id: str | None,
        after: str | None,
        limit: int,
    ) -> list[tuple[User, int]]:
        count = (
            select(func.count())
            .where(UtilityCredential.user_id == User.id)
            .correlate(User)
            .scalar_subquery()
        )
        where = [_within(User.client_id, clients)]
        if client_id is not None:
            where.append(User.client_id == client_id)
        if client_user_id is not None:
            where.append(User.client_user_id == client_user_id)
        if after is not None:
            where.append(User.id < after)
        statement = select(User, count).where(*where).order_by(User.id.desc()).limit(limit + 1)
        return [(user, int(n)) for user, n in (await self.session.execute(statement)).all()]

    async def utilities(self) -> list[tuple[str, str]]:
        statement = select(Utility.id, Utility.name).order_by(Utility.name, Utility.id)
        return [(i, n) for i, n in (await self.session.execute(statement)).all()]

    async def user(self, client_id: str, client_user_id: str) -> User | None:
        statement = select(User).where(
            User.client_id == client_id, User.client_user_id == client_user_id
        )
        return await self.session.scalar(statement)

    # Events

    async def event_page(
        self,
        clients: Visible,
        client_id: str | None,
        event_type: str | None,
        credential_id: str | None,
        after: str | None,
        limit: int,
    ) -> list[Event]:
        where = [_within(Event.client_id, clients)]
        if client_id is not None:
            where.append(Event.client_id == client_id)
        if event_type is not None:
            where.append(Event.type == event_type)
        if credential_id is not None:
            where.append(Event.utility_credential_id == credential_id)
        if after is not None:
            where.append(Event.id < after)
        statement = select(Event).where(*where).order_by(Event.id.desc()).limit(limit + 1)
        return list((await self.session.scalars(statement)).all())

    async def event(self, event_id: str, clients: Visible) -> Event | None:
        statement = select(Event).where(Event.id == event_id, _within(Event.client_id, clients))
        return await self.session.scalar(statement)

    async def deliveries(
        self, event_id: str
    ) -> list[tuple[WebhookDelivery, str, list[WebhookDeliveryAttempt]]]:
        statement = (
            select(WebhookDelivery, WebhookEndpoint.url)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .where(WebhookDelivery.event_id == event_id)
            .order_by(WebhookDelivery.id)
        )
        rows = [(d, url) for d, url in (await self.session.execute(statement)).all()]
        attempts = await self.session.scalars(
            select(WebhookDeliveryAttempt)
            .where(WebhookDeliveryAttempt.delivery_id.in_([d.id for d, _ in rows]))
            .order_by(WebhookDeliveryAttempt.id)
        )
        by_delivery: dict[str, list[WebhookDeliveryAttempt]] = {}
        for attempt in attempts:
            by_delivery.setdefault(attempt.delivery_id, []).append(attempt)
        return [(d, url, by_delivery.get(d.id, [])) for d, url in rows]

    # Webhook endpoints

    async def endpoints(self, clients: Visible, client_id: str | None) -> list[WebhookEndpoint]:
        where = [_within(WebhookEndpoint.client_id, clients)]
        if client_id is not None:
            where.append(WebhookEndpoint.client_id == client_id)
        statement = select(WebhookEndpoint).where(*where).order_by(WebhookEndpoint.id.desc())
        return list((await self.session.scalars(statement)).all())
