"""The audit log: who did what in the dashboard (and with `gridlink operators`), when, from where.

``record_audit`` writes one entry in the caller's transaction, so an entry exists exactly when
the change it records was committed. Entries never hold a secret: ``detail`` goes through the
one redaction set (secret field names, our token formats, URL queries) before it is stored, and
callers put no password, code, token or cookie in it to begin with. A failed sign-in is recorded
with the email tried (``email``) and no actor. Entries are kept as long as events (30 days,
``purge_expired``, an hourly worker job).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.events.service import RETENTION
from gridlink.kit.clock import Clock
from gridlink.kit.ids import new_id
from gridlink.kit.redaction import redact
from gridlink.models import OperatorAuditEntry
from gridlink.operators.principal import OperatorPrincipal
from gridlink.operators.repository import AuditRepository
from gridlink.operators.schemas import AuditEntryOut, AuditOperatorOut, AuditPage

_USER_AGENT_MAX = 255


async def record_audit(
    session: AsyncSession,
    clock: Clock,
    actor: OperatorPrincipal | None,
    action: str,
    *,
    target_type: str,
    target_id: str | None,
    client_id: str | None = None,
    detail: dict[str, Any] | None = None,
    email: str | None = None,
    ip: str | None = None,
    user_agent: str | None = None,
) -> None:
    """One audit entry, in ``session``'s transaction. ``actor`` None: the CLI, or a sign-in
    that failed (then ``email`` is the one tried, ``ip`` and ``user_agent`` the caller's)."""
    agent = actor.user_agent if actor else user_agent
    AuditRepository(session).add(
        OperatorAuditEntry(
            id=new_id("aud"),
            at=clock.now(),
            operator_id=actor.id if actor else None,
            operator_email=actor.email if actor else email,
            action=action,
            target_type=target_type,
            target_id=target_id,
            client_id=client_id,
            ip=actor.ip if actor else ip,
            user_agent=agent[:_USER_AGENT_MAX] if agent else None,
            detail=redact(detail or {}),
        )
    )


async def list_audit(
    session: AsyncSession,
    *,
    operator_id: str | None,
    action: str | None,
    after: str | None,
    limit: int,
) -> AuditPage:
    rows = await AuditRepository(session).page(
        operator_id=operator_id, action=action, before_id=after, limit=limit + 1
    )
    entries = [
        AuditEntryOut(
            id=row.id,
            at=row.at,
            operator=AuditOperatorOut(id=row.operator_id, email=row.operator_email),
            action=row.action,
            target_type=row.target_type,
            target_id=row.target_id,
            client_id=row.client_id,
            ip=row.ip,
            user_agent=row.user_agent,
            detail=row.detail,
        )
        for row in rows[:limit]
    ]
    next_cursor = entries[-1].id if len(rows) > limit and entries else None
    return AuditPage(data=entries, next_cursor=next_cursor)


async def purge_expired(session: AsyncSession, clock: Clock) -> int:
    """Entries older than the events' retention period."""
    return await AuditRepository(session).purge(clock.now() - RETENTION)
