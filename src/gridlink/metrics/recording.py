"""What the code paths report, one call each (the hooks in attempts/, sync/, webhooks/).

A state change is counted when the transaction that stores it commits, never before: a rolled
back sign-in verdict did not happen, and a delivery batch whose recording failed is sent and
counted again (at-least-once, like the deliveries themselves).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy import event
from sqlalchemy.orm import Session, object_session

from gridlink.metrics.definitions import (
    LEASE_EXPIRIES,
    SIGN_IN_DURATION,
    SIGN_INS,
    WEBHOOK_ATTEMPTS,
    WEBHOOK_GAVE_UP,
    WEBHOOK_LAG,
    bounded,
)

if TYPE_CHECKING:
    from gridlink.models import ConnectionAttempt
    from gridlink.webhooks.sender import AttemptResult


def sign_in_finished(attempt: ConnectionAttempt, now: datetime) -> None:
    """``attempt`` just reached its final status (attempts/outcomes.py ``_finish``)."""
    utility = bounded(attempt.utility_id)
    outcome = bounded(attempt.status)
    detail = bounded(attempt.status_detail)
    seconds = max(0.0, (now - attempt.created_at).total_seconds())

    def count() -> None:
        SIGN_INS.labels(utility, outcome, detail).inc()
        SIGN_IN_DURATION.labels(utility, outcome).observe(seconds)

    _after_commit(object_session(attempt), count)


def leases_expired(queue: str, count: int) -> None:
    """``count`` leased items of ``queue`` were taken over after their lease ran out."""
    if count:
        LEASE_EXPIRIES.labels(queue).inc(count)


def deliveries_recorded(results: Sequence[AttemptResult], ended: Sequence[AttemptResult]) -> None:
    """A batch of webhook attempts was stored (called after its commit); ``ended``: those
    whose delivery ended ``failed``."""
    for result in results:
        delivery = result.delivery
        WEBHOOK_ATTEMPTS.labels(
            bounded(delivery.endpoint_id), "succeeded" if result.succeeded else "failed"
        ).inc()
        if result.succeeded:
            delivered = result.attempted_at + timedelta(milliseconds=result.duration_ms)
            WEBHOOK_LAG.observe(max(0.0, (delivered - delivery.event_created_at).total_seconds()))
    for result in ended:
        WEBHOOK_GAVE_UP.labels(bounded(result.delivery.endpoint_id)).inc()


def _after_commit(session: Session | None, count: Callable[[], None]) -> None:
    if session is None:  # not in a transaction (a test's bare object): count at once
        count()
        return
    event.listen(session, "after_commit", lambda _session: count(), once=True)
