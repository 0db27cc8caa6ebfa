from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, UTCDateTime


class LoginFailure(Base):
    """A failed utility sign-in, counted per (utility, username hash) over 24 hours so repeated
    guessing is stopped before the utility locks the end user's account."""

    __tablename__ = "login_failures"
    __table_args__ = (Index("ix_login_failures_key", "utility_id", "username_hash", "failed_at"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    utility_id: Mapped[str] = mapped_column(String(100))
    username_hash: Mapped[str] = mapped_column(String(64))
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime)
