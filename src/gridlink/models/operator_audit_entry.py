from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, UTCDateTime


class OperatorAuditEntry(Base):
    """One thing an operator (or the `gridlink operators` command) did, written in the
    transaction of the change (operators/audit.py).

    ``operator_id`` is set null when the operator row goes; ``operator_email`` keeps who it was
    (for a failed sign-in: the email tried). ``client_id`` is a plain string, not a foreign key,
    so an entry outlives the client it names. ``detail`` never holds a secret.
    The listing filters by operator or action and pages newest first by id (time-ordered).
    """

    __tablename__ = "operator_audit_entries"
    __table_args__ = (
        Index("ix_operator_audit_entries_operator", "operator_id", "id"),
        Index("ix_operator_audit_entries_action", "action", "id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    operator_id: Mapped[str | None] = mapped_column(
        ForeignKey("operators.id", ondelete="SET NULL"), nullable=True
    )
    operator_email: Mapped[str | None] = mapped_column(String(254), nullable=True)
    action: Mapped[str] = mapped_column(String(60))
    target_type: Mapped[str] = mapped_column(String(40))
    target_id: Mapped[str | None] = mapped_column(String(255), nullable=True)
    client_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
    ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    user_agent: Mapped[str | None] = mapped_column(String(255), nullable=True)
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
