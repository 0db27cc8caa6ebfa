"""The transactional outbox: an event's delivery rows, written in the event's own transaction.

A delivery row per enabled endpoint subscribed to the event's type, due at once. Because the
rows commit (or roll back) with the change that caused the event, no event is announced for a
change that did not happen, and none is lost for one that did. After commit the delivery
workers are woken (kit/wakeup.py); they also poll, so a lost wake-up only delays delivery.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.kit.clock import Clock
from gridlink.kit.ids import new_id
from gridlink.kit.wakeup import announce
from gridlink.models import WebhookDelivery
from gridlink.webhooks.delivery_repository import DeliveryRepository

WAKEUP_CHANNEL = "gridlink_webhooks"


def subscribed(event_types: Sequence[str] | None, event_type: str) -> bool:
    """Endpoints without a list get every type except ``test`` (sent only when asked for)."""
    if event_types is None:
        return event_type != "test"
    return event_type in event_types


async def enqueue(
    session: AsyncSession,
    clock: Clock,
    *,
    client_id: str,
    event_id: str,
    event_type: str,
    endpoint_ids: Sequence[str] | None = None,
) -> list[str]:
    """Queue the event for the client's subscribed endpoints (or exactly ``endpoint_ids``, if
    given and enabled). Returns the endpoint ids it was queued for."""
    repo = DeliveryRepository(session)
    endpoints = await repo.enabled_endpoints(client_id)
    if endpoint_ids is None:
        targets = [e.id for e in endpoints if subscribed(e.event_types, event_type)]
    else:
        targets = [e.id for e in endpoints if e.id in endpoint_ids]
    if not targets:
        return []
    now = clock.now()
    await repo.add_deliveries(
        [
            WebhookDelivery(
                id=new_id("whd"),
                event_id=event_id,
                endpoint_id=endpoint_id,
                status="pending",
                attempt_count=0,
                due_at=now,
                created_at=now,
            )
            for endpoint_id in targets
        ]
    )
    await announce(session, WAKEUP_CHANNEL)
    return targets
