from __future__ import annotations

from datetime import datetime

from sqlalchemy import Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, UTCDateTime


class OperatorSignInFailure(Base):
    """A failed dashboard sign-in, counted per email and per IP address
    (operators/throttle.py). The email is kept as its SHA-256: the audit log has the address
    tried; this table only counts. Unknown emails count like known ones."""

    __tablename__ = "operator_sign_in_failures"
    __table_args__ = (
        Index("ix_operator_sign_in_failures_email", "email_hash", "failed_at"),
        Index("ix_operator_sign_in_failures_ip", "ip", "failed_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    email_hash: Mapped[str] = mapped_column(String(64))
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    failed_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
