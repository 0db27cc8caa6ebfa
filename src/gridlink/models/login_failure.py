from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, UTCDateTime


class LoginFailure(Base):
    """A failed utility sign-in, counted by the abuse limits (attempts/limits.py): per client and
    login, per client and end user, per client and IP address, per client.

    Every key starts with the client, so one client's failures never block another's end users.
    Rows from before the limits were per client have no ``client_id`` and count for nobody;
    the purge removes them with the rest after 24 hours.
    """

    __tablename__ = "login_failures"
    __table_args__ = (
        Index("ix_login_failures_login", "client_id", "utility_id", "username_hash", "failed_at"),
        Index("ix_login_failures_user", "client_id", "user_id", "failed_at"),
        Index("ix_login_failures_ip", "client_id", "ip", "failed_at"),
        Index("ix_login_failures_client", "client_id", "failed_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    client_id: Mapped[str | None] = mapped_column(
        ForeignKey("clients.id", ondelete="CASCADE"), nullable=True
    )
    user_id: Mapped[str | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), nullable=True
    )
    utility_id: Mapped[str] = mapped_column(String(100))
    username_hash: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime)
