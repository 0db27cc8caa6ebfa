from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, UTCDateTime


class MfaCodeEvent(Base):
    """A verification code the engine had the utility send (``sent``) or submitted to it
    (``tried``), counted per client and utility login across sessions so that neither sending
    (SMS bombing) nor guessing can go on by starting new sign-ins (attempts/limits.py)."""

    __tablename__ = "mfa_code_events"
    __table_args__ = (
        Index("ix_mfa_code_events_login", "client_id", "utility_id", "username_hash", "kind", "at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    kind: Mapped[str] = mapped_column(String(10))  # sent | tried
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    utility_id: Mapped[str] = mapped_column(String(100))
    username_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime)
