"""Every background job, listed explicitly (no discovery in the core)."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.auth.repository import AuthRepository
from gridlink.connect.repository import ConnectTokenRepository
from gridlink.idempotency.service import purge_expired as purge_idempotency_keys
from gridlink.kit.clock import Clock
from gridlink.worker.runner import PeriodicJob

# Expired connect tokens are kept a day so a late widget gets "expired", then removed.
CONNECT_TOKEN_KEEP = timedelta(days=1)


async def purge_access_tokens(session: AsyncSession, clock: Clock) -> int:
    return await AuthRepository(session).purge_expired_access_tokens(clock.now())


async def purge_connect_tokens(session: AsyncSession, clock: Clock) -> int:
    return await ConnectTokenRepository(session).purge_expired(clock.now() - CONNECT_TOKEN_KEEP)


JOBS: tuple[PeriodicJob, ...] = (
    PeriodicJob("purge_idempotency_keys", timedelta(minutes=10), purge_idempotency_keys),
    PeriodicJob("purge_access_tokens", timedelta(minutes=10), purge_access_tokens),
    PeriodicJob("purge_connect_tokens", timedelta(minutes=10), purge_connect_tokens),
)
