"""SQL of the delivery pipeline: fan-out, claiming with leases, recording attempts."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

from sqlalchemy import Table, bindparam, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.models import Client, Event, WebhookDelivery, WebhookDeliveryAttempt, WebhookEndpoint

# The Core table: executemany UPDATEs with extra WHERE criteria bypass the ORM's bulk path.
_deliveries = cast(Table, WebhookDelivery.__table__)
_attempts = cast(Table, WebhookDeliveryAttempt.__table__)


@dataclass(frozen=True)
class EndpointTarget:
    id: str
    event_types: list[str] | None


@dataclass(frozen=True)
class ClaimedDelivery:
    """Everything needed to send one delivery without going back to the database."""

    delivery_id: str
    attempts_made: int
    lease_owner: str
    event_id: str
    event_type: str
    event_created_at: datetime
    event_data: dict[str, Any]
    endpoint_id: str
    client_id: str
    environment: str
    url: str
    enabled: bool
    secret_sealed: bytes
    previous_secret_sealed: bytes | None
    previous_secret_expires_at: datetime | None


@dataclass(frozen=True)
class DeliveryUpdate:
    delivery_id: str
    lease_owner: str
    status: str
    attempt_count: int
    due_at: datetime | None
    status_code: int | None
    error: str | None
    finished_at: datetime | None


class DeliveryRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def enabled_endpoints(self, client_id: str) -> list[EndpointTarget]:
        query = select(WebhookEndpoint.id, WebhookEndpoint.event_types).where(
            WebhookEndpoint.client_id == client_id, WebhookEndpoint.enabled.is_(True)
        )
        return [EndpointTarget(r.id, r.event_types) for r in (await self.session.execute(query))]

    async def add_deliveries(self, rows: Sequence[WebhookDelivery]) -> None:
        self.session.add_all(rows)
        await self.session.flush()

    async def wait_for_disk(self, wait: bool) -> None:
        """PostgreSQL only: whether this transaction's commit waits for the WAL flush.

        Claims and attempt outcomes need not wait: if the server crashes and forgets one, the
        row is simply due again and sent again (a duplicate, never a loss: the event itself
        was stored durably by the domain's transaction). That saves a disk flush per batch.
        Transactions that record an event must wait (``wait=True``)."""
        if self.session.get_bind().dialect.name == "postgresql":
            value = "on" if wait else "off"
            await self.session.execute(text(f"SET LOCAL synchronous_commit = {value}"))

    async def claim(
        self, owner: str, now: datetime, lease_until: datetime, limit: int
    ) -> list[ClaimedDelivery]:
        """Lease up to ``limit`` due deliveries. Other workers skip rows locked by this
        statement (SKIP LOCKED on PostgreSQL; SQLite has one writer at a time) and, once it
        commits, skip them because they are no longer due until the lease ends."""
        await self.wait_for_disk(False)
        due = (
            select(WebhookDelivery.id)
            .where(WebhookDelivery.due_at <= now)
            .order_by(WebhookDelivery.due_at)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        statement = (
            update(_deliveries)
            .where(_deliveries.c.id.in_(due.scalar_subquery()))
            .values(lease_owner=owner, lease_expires_at=lease_until, due_at=lease_until)
            .returning(_deliveries.c.id)
        )
        ids = list((await self.session.execute(statement)).scalars().all())
        return await self._details(ids, owner) if ids else []

    async def _details(self, ids: list[str], owner: str) -> list[ClaimedDelivery]:
        # Plain columns, not ORM objects: this runs for every batch a worker claims.
        query = (
            select(
                WebhookDelivery.id,
                WebhookDelivery.attempt_count,
                Event.id,
                Event.type,
                Event.created_at,
                Event.data,
                WebhookEndpoint.id,
                WebhookEndpoint.client_id,
                Client.environment,
                WebhookEndpoint.url,
                WebhookEndpoint.enabled,
                WebhookEndpoint.secret_sealed,
                WebhookEndpoint.previous_secret_sealed,
                WebhookEndpoint.previous_secret_expires_at,
            )
            .join(Event, Event.id == WebhookDelivery.event_id)
            .join(WebhookEndpoint, WebhookEndpoint.id == WebhookDelivery.endpoint_id)
            .join(Client, Client.id == WebhookEndpoint.client_id)
            .where(WebhookDelivery.id.in_(ids))
            .order_by(WebhookDelivery.id)
        )
        rows = (await self.session.execute(query)).all()
        return [ClaimedDelivery(row[0], row[1], owner, *row[2:]) for row in rows]

    async def add_attempts(self, attempts: Sequence[dict[str, Any]]) -> None:
        if attempts:
            await self.session.execute(insert(_attempts), list(attempts))

    async def apply_updates(self, updates: Sequence[DeliveryUpdate]) -> None:
        """Store attempt outcomes, each only if its lease is still ours: a worker whose lease
        ran out must not overwrite the outcome of the worker that took the row over."""
        if not updates:
            return
        statement = (
            update(_deliveries)
            .where(
                _deliveries.c.id == bindparam("b_id"),
                _deliveries.c.lease_owner == bindparam("b_owner"),
            )
            .values(
                status=bindparam("b_status"),
                attempt_count=bindparam("b_attempts"),
                due_at=bindparam("b_due_at"),
                lease_owner=None,
                lease_expires_at=None,
                last_status_code=bindparam("b_code"),
                last_error=bindparam("b_error"),
                finished_at=bindparam("b_finished_at"),
            )
        )
        params = [
            {
                "b_id": u.delivery_id,
                "b_owner": u.lease_owner,
                "b_status": u.status,
                "b_attempts": u.attempt_count,
                "b_due_at": u.due_at,
                "b_code": u.status_code,
                "b_error": u.error,
                "b_finished_at": u.finished_at,
            }
            for u in updates
        ]
        await self.session.execute(statement, params)

    async def mark_failing(self, endpoint_ids: set[str], now: datetime) -> None:
        if endpoint_ids:
            await self.session.execute(
                update(WebhookEndpoint)
                .where(
                    WebhookEndpoint.id.in_(endpoint_ids), WebhookEndpoint.failing_since.is_(None)
                )
                .values(failing_since=now)
            )

    async def mark_healthy(self, endpoint_ids: set[str]) -> None:
        if endpoint_ids:
            await self.session.execute(
                update(WebhookEndpoint)
                .where(
                    WebhookEndpoint.id.in_(endpoint_ids),
                    WebhookEndpoint.failing_since.is_not(None),
                )
                .values(failing_since=None)
            )

    async def failing_since_before(self, endpoint_ids: set[str], cutoff: datetime) -> list[str]:
        query = select(WebhookEndpoint.id).where(
            WebhookEndpoint.id.in_(endpoint_ids),
            WebhookEndpoint.enabled.is_(True),
            WebhookEndpoint.failing_since <= cutoff,
        )
        return list((await self.session.scalars(query)).all())

    async def disable_endpoint(self, endpoint_id: str, reason: str, now: datetime) -> str | None:
        """Disable if enabled; returns its client id when this call disabled it."""
        statement = (
            update(WebhookEndpoint)
            .where(WebhookEndpoint.id == endpoint_id, WebhookEndpoint.enabled.is_(True))
            .values(enabled=False, disabled_reason=reason, updated_at=now)
            .returning(WebhookEndpoint.client_id)
        )
        client_id: str | None = (await self.session.execute(statement)).scalar_one_or_none()
        if client_id is not None:
            await self.fail_pending(endpoint_id, now, "endpoint disabled")
        return client_id

    async def fail_pending(self, endpoint_id: str, now: datetime, reason: str) -> None:
        await self.session.execute(
            update(_deliveries)
            .where(_deliveries.c.endpoint_id == endpoint_id, _deliveries.c.status == "pending")
            .values(
                status="failed",
                due_at=None,
                lease_owner=None,
                lease_expires_at=None,
                last_error=reason,
                finished_at=now,
            )
        )

    async def attempts_page(
        self, endpoint_id: str, before: str | None, limit: int
    ) -> list[WebhookDeliveryAttempt]:
        query = select(WebhookDeliveryAttempt).where(
            WebhookDeliveryAttempt.endpoint_id == endpoint_id
        )
        if before is not None:
            query = query.where(WebhookDeliveryAttempt.id < before)
        query = query.order_by(WebhookDeliveryAttempt.id.desc()).limit(limit + 1)
        return list((await self.session.scalars(query)).all())
