from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, UTCDateTime


class UtilitySync(Base):
    """The sync state of one utility credential: one row per credential (``credential_id`` is
    unique), so whoever holds its lease is the only one syncing that credential.

    ``due_at`` is utility-side time (the client's clock, sandbox offset included); the lease
    uses the app's clock. ``checkpoint`` records what is stored (per account: statements up to
    a date; per meter: intervals up to a time, backfilled or not) and is advanced in the same
    transaction as the data, so a sync killed anywhere resumes without gaps or duplicates.
    """

    __tablename__ = "utility_syncs"
    __table_args__ = (Index("ix_utility_syncs_state_due", "state", "due_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[str] = mapped_column(
        ForeignKey("utility_credentials.id", ondelete="CASCADE"), unique=True
    )
    utility_id: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(20))  # initial | scheduled | requested
    state: Mapped[str] = mapped_column(String(20))  # scheduled | running | retrying | stopped
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    failures: Mapped[int] = mapped_column(default=0, server_default="0")
    checkpoint: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    progress: Mapped[float] = mapped_column(default=0.0, server_default="0")
    eta: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_error: Mapped[str | None] = mapped_column(String(60), nullable=True)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
