"""All SQL of the sync engine: the sync rows, their claims and leases."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import and_, func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.models import Client, User, UtilityCredential, UtilitySync

CLAIMABLE = ("scheduled", "retrying")
CLAIM_LOCK = 0x73796E635F636C6D  # an arbitrary advisory lock key, "sync_clm"


class SyncRepository:
    def __init__(self, session: AsyncSession) -> None:
        self.session = session
        self.taken_over = 0  # syncs ``claim`` took from a worker whose lease had expired

    @property
    def _locks_rows(self) -> bool:
        return self.session.get_bind().dialect.name == "postgresql"

    async def add(self, sync: UtilitySync) -> None:
        self.session.add(sync)
        await self.session.flush()

    async def for_credential(
        self, credential_id: str, *, for_update: bool = False
    ) -> UtilitySync | None:
        query = select(UtilitySync).where(UtilitySync.credential_id == credential_id)
        if for_update and self._locks_rows:
            query = query.with_for_update()
        return await self.session.scalar(query.execution_options(populate_existing=True))

    async def credential(
        self, credential_id: str, *, for_update: bool = False
    ) -> UtilityCredential | None:
        query = select(UtilityCredential).where(UtilityCredential.id == credential_id)
        if for_update and self._locks_rows:
            query = query.with_for_update()
        return await self.session.scalar(query.execution_options(populate_existing=True))

    async def owned(self, sync_id: str, owner: str) -> UtilitySync | None:
        """The sync row if ``owner`` still holds its lease, locked until the transaction ends
        (on SQLite the writer lock does that), so no other worker writes for it meanwhile."""
        query = select(UtilitySync).where(
            UtilitySync.id == sync_id,
            UtilitySync.lease_owner == owner,
            UtilitySync.state == "running",
        )
        if self._locks_rows:
            query = query.with_for_update()
        return await self.session.scalar(query.execution_options(populate_existing=True))

    async def client_offset(self, client_id: str) -> int:
        value = await self.session.scalar(
            select(Client.sandbox_clock_offset_seconds).where(Client.id == client_id)
        )
        return int(value or 0)

    async def client_user_id(self, user_id: str) -> str:
        value = await self.session.scalar(select(User.client_user_id).where(User.id == user_id))
        return str(value)

    async def clock_offsets(self) -> list[int]:
        """The distinct clock offsets of clients that have syncs (live clients share 0)."""
        query = (
            select(Client.sandbox_clock_offset_seconds)
            .distinct()
            .join(UtilitySync, UtilitySync.client_id == Client.id)
        )
        return sorted(int(o) for o in (await self.session.scalars(query)).all())

    async def running_per_utility(self, now: datetime) -> dict[str, int]:
        query = (
            select(UtilitySync.utility_id, func.count())
            .where(UtilitySync.state == "running", UtilitySync.lease_expires_at > now)
            .group_by(UtilitySync.utility_id)
        )
        return {utility: int(count) for utility, count in (await self.session.execute(query))}

    async def take_claim_turn(self) -> None:
        """One sync claim at a time across every worker, until this transaction ends.

        The per-utility cap counts running syncs: two claims counting at once (each blind to
        the other's uncommitted claims) would both take the last place. Serialized, each counts
        after the one before it committed (READ COMMITTED: a statement sees what committed
        before it started). SQLite writes one transaction at a time already."""
        if self._locks_rows:
            await self.session.execute(select(func.pg_advisory_xact_lock(CLAIM_LOCK)))

    async def claim(
        self,
        owner: str,
        *,
        offset: int,
        utility_now: datetime,
        now: datetime,
        lease_until: datetime,
        limit: int,
        per_utility: int,
    ) -> list[str]:
        """Lease to ``owner`` up to ``limit`` syncs of clients on clock ``offset`` that are due
        (on the utility side) or whose worker died (lease expired, app time), never more than
        ``per_utility`` running against one utility. Returns their ids."""
        due = or_(
            and_(UtilitySync.state.in_(CLAIMABLE), UtilitySync.due_at <= utility_now),
            and_(UtilitySync.state == "running", UtilitySync.lease_expires_at <= now),
        )
        query = (
            select(UtilitySync.id, UtilitySync.utility_id, UtilitySync.state)
            .join(Client, Client.id == UtilitySync.client_id)
            .join(UtilityCredential, UtilityCredential.id == UtilitySync.credential_id)
            .where(
                due,
                Client.sandbox_clock_offset_seconds == offset,
                UtilityCredential.status == "verified",
            )
            .order_by(UtilitySync.due_at, UtilitySync.id)
            .limit(limit * 4)
        )
        if self._locks_rows:
            query = query.with_for_update(skip_locked=True, of=UtilitySync)
        candidates = (await self.session.execute(query)).all()
        running = await self.running_per_utility(now)
        ids: list[str] = []
        for sync_id, utility_id, state in candidates:
            if len(ids) >= limit or running.get(utility_id, 0) >= per_utility:
                continue
            running[utility_id] = running.get(utility_id, 0) + 1
            ids.append(sync_id)
            self.taken_over += state == "running"
        if ids:
            await self.session.execute(
                update(UtilitySync)
                .where(UtilitySync.id.in_(ids))
                .values(
                    state="running",
                    lease_owner=owner,
                    lease_expires_at=lease_until,
                    started_at=now,
                    updated_at=now,
                )
            )
        return ids

    async def renew(self, ids: Sequence[str], owner: str, until: datetime) -> None:
        await self.session.execute(
            update(UtilitySync)
            .where(
                UtilitySync.id.in_(list(ids)),
                UtilitySync.lease_owner == owner,
                UtilitySync.state == "running",
            )
            .values(lease_expires_at=until)
        )
