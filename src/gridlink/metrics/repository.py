"""The queues' depth and oldest due time: one aggregate query per queue, each on an index
(attempts by status, syncs by state and due time, deliveries by due time)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.models import ConnectionAttempt, UtilitySync, WebhookDelivery


@dataclass(frozen=True)
class Backlog:
    depth: int
    oldest_due: datetime | None


class QueueRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session

    async def queued_attempts(self) -> Backlog:
        """Sign-ins waiting for a worker (due from their creation)."""
        query = select(func.count(), func.min(ConnectionAttempt.created_at)).where(
            ConnectionAttempt.status == "queued"
        )
        depth, oldest = (await self.session.execute(query)).one()
        return Backlog(int(depth), oldest)

    async def due_syncs(self, now: datetime) -> Backlog:
        """Syncs due (by app time: a sandbox client's shifted clock is not applied here) and
        running syncs whose lease expired (due again since it did)."""
        waiting = and_(UtilitySync.state.in_(("scheduled", "retrying")), UtilitySync.due_at <= now)
        orphaned = and_(UtilitySync.state == "running", UtilitySync.lease_expires_at <= now)
        query = select(
            func.count(),
            func.min(UtilitySync.due_at).filter(waiting),
            func.min(UtilitySync.lease_expires_at).filter(orphaned),
        ).where(or_(waiting, orphaned))
        depth, oldest_due, oldest_orphan = (await self.session.execute(query)).one()
        found = [moment for moment in (oldest_due, oldest_orphan) if moment is not None]
        return Backlog(int(depth), min(found) if found else None)

    async def due_deliveries(self, now: datetime) -> Backlog:
        """Webhook deliveries due now: new ones, retries whose time came, and leases that ran
        out (a claimed row's due time is its lease's end)."""
        query = select(func.count(), func.min(WebhookDelivery.due_at)).where(
            WebhookDelivery.status == "pending", WebhookDelivery.due_at <= now
        )
        depth, oldest = (await self.session.execute(query)).one()
        return Backlog(int(depth), oldest)
