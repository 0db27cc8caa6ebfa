from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, UTCDateTime


class Event(Base):
    """Something an integrator cares about, written in the transaction of the change it records.

    ``position`` numbers a client's events in commit order (a counter row per client is locked
    until commit), so polling with a cursor never skips an event committed late. ``sequence``
    numbers one credential's events. User and credential ids are plain strings, not foreign
    keys: a ``user_deleted`` event outlives the user it announces.
    """

    __tablename__ = "events"
    __table_args__ = (
        UniqueConstraint("client_id", "position"),
        Index("ix_events_client_credential", "client_id", "utility_credential_id"),
        Index("ix_events_client_user", "client_id", "client_user_id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    position: Mapped[int] = mapped_column(BigInteger)
    type: Mapped[str] = mapped_column(String(60))
    client_user_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    utility_credential_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    sequence: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
