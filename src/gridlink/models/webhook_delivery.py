from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, UTCDateTime


class WebhookDelivery(Base):
    """One event on its way to one endpoint: the outbox row a delivery worker claims.

    ``status`` is ``pending`` until it ``succeeded`` or ``failed``. A pending row is due at
    ``due_at``; claiming it sets a lease (``lease_owner``, ``lease_expires_at``) and moves
    ``due_at`` to the lease's end, so a row whose worker died simply becomes due again.
    Finished rows have no ``due_at``.
    """

    __tablename__ = "webhook_deliveries"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    event_id: Mapped[str] = mapped_column(ForeignKey("events.id", ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[str] = mapped_column(
        ForeignKey("webhook_endpoints.id", ondelete="CASCADE"), index=True
    )
    status: Mapped[str] = mapped_column(String(20))
    attempt_count: Mapped[int]
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True, index=True)
    lease_owner: Mapped[str | None] = mapped_column(String(80), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_status_code: Mapped[int | None] = mapped_column(nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(300), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
