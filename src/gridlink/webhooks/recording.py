"""What an attempt's outcome means: the delivery's next state, the attempt log, and the
endpoint rules (410 disables it; failing everything for 5 days disables it, with an event)."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.events.service import record_event
from gridlink.events.types import EventType
from gridlink.kit.clock import Clock
from gridlink.kit.ids import new_id
from gridlink.webhooks.delivery_repository import DeliveryRepository, DeliveryUpdate
from gridlink.webhooks.schedule import DISABLE_FAILING_ENDPOINT_AFTER, next_delay
from gridlink.webhooks.sender import AttemptResult

logger = logging.getLogger(__name__)


def _next_state(result: AttemptResult) -> tuple[str, datetime | None]:
    """(``succeeded`` | ``retrying`` | ``failed``, when to try again)."""
    if result.succeeded:
        return "succeeded", None
    if result.gone or not result.delivery.enabled:
        return "failed", None
    delay = next_delay(result.delivery.attempts_made + 1, result.retry_after)
    if delay is None:
        return "failed", None
    return "retrying", result.attempted_at + delay


def _log_and_update(result: AttemptResult, now: datetime) -> tuple[dict[str, Any], DeliveryUpdate]:
    outcome, next_at = _next_state(result)
    delivery = result.delivery
    attempt = dict(
        id=new_id("wha"),
        delivery_id=delivery.delivery_id,
        endpoint_id=delivery.endpoint_id,
        event_id=delivery.event_id,
        event_type=delivery.event_type,
        attempt=delivery.attempts_made + 1,
        attempted_at=result.attempted_at,
        status_code=result.status_code,
        duration_ms=result.duration_ms,
        error=result.error,
        outcome=outcome,
        next_attempt_at=next_at,
    )
    update = DeliveryUpdate(
        delivery_id=delivery.delivery_id,
        lease_owner=delivery.lease_owner,
        status="pending" if outcome == "retrying" else outcome,
        attempt_count=delivery.attempts_made + 1,
        due_at=next_at,
        status_code=result.status_code,
        error=result.error,
        finished_at=None if next_at else now,
    )
    return attempt, update


async def record_results(
    session: AsyncSession, clock: Clock, results: Sequence[AttemptResult]
) -> list[AttemptResult]:
    """Store a batch of outcomes in the caller's (short) transaction. Returns the results that
    ended their delivery as ``failed``, for ``report_failed`` once the transaction commits."""
    now = clock.now()
    repo = DeliveryRepository(session)
    await repo.wait_for_disk(False)
    logged = [_log_and_update(result, now) for result in results]
    ended = [r for r, (_, update) in zip(results, logged, strict=True) if update.status == "failed"]
    await repo.add_attempts([attempt for attempt, _ in logged])
    await repo.apply_updates([update for _, update in logged])
    healthy = {r.delivery.endpoint_id for r in results if r.succeeded}
    gone = {r.delivery.endpoint_id for r in results if r.gone}
    failing = {
        r.delivery.endpoint_id for r in results if not r.succeeded and r.delivery.enabled
    } - healthy
    await repo.mark_failing(failing, now)
    await repo.mark_healthy(healthy)
    for endpoint_id in sorted(gone):
        await disable_endpoint(session, clock, endpoint_id, "gone")
    cutoff = now - DISABLE_FAILING_ENDPOINT_AFTER
    for endpoint_id in await repo.failing_since_before(failing - gone, cutoff):
        await disable_endpoint(session, clock, endpoint_id, "failing")
    return ended


def report_failed(ended: Sequence[AttemptResult]) -> None:
    """Tell the operator, once per delivery, that an event will not reach an endpoint (unless
    redelivered): one WARNING naming the endpoint, the event and the delivery, never the URL
    (it may carry the client's token), the secret or the body. Called after the outcome is
    committed, so a batch whose recording failed (and is sent again) is not reported twice."""
    for result in ended:
        delivery = result.delivery
        logger.warning(
            "webhook delivery failed: no further attempts",
            extra={
                "webhook_endpoint_id": delivery.endpoint_id,
                "event_id": delivery.event_id,
                "delivery_id": delivery.delivery_id,
                "attempts": delivery.attempts_made + 1,
                "reason": _failure_reason(result),
                "status_code": result.status_code,
            },
        )


def _failure_reason(result: AttemptResult) -> str:
    if result.gone:
        return "endpoint gone (HTTP 410)"
    if not result.delivery.enabled:
        return "endpoint disabled"
    return "retries exhausted"


async def disable_endpoint(
    session: AsyncSession, clock: Clock, endpoint_id: str, reason: str
) -> bool:
    """Disable an enabled endpoint, fail its pending deliveries and record the event (once)."""
    repo = DeliveryRepository(session)
    client_id = await repo.disable_endpoint(endpoint_id, reason, clock.now())
    if client_id is None:
        return False
    await repo.wait_for_disk(True)  # the event it records must survive a crash
    logger.warning(
        "webhook endpoint disabled", extra={"webhook_endpoint_id": endpoint_id, "reason": reason}
    )
    await record_event(
        session,
        clock,
        client_id=client_id,
        type=EventType.WEBHOOK_ENDPOINT_DISABLED,
        data={"webhook_endpoint_id": endpoint_id, "reason": reason},
    )
    return True
