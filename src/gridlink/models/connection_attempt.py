from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, UTCDateTime


class ConnectionAttempt(Base):
    """One try at signing in to a utility, run by the worker that holds the utility session.

    The end user's input (MFA option, code) reaches that worker through this row: the API bumps
    ``input_seq`` (the code itself is sealed in the vault under the attempt's id); the worker
    handles it and bumps ``seq``, which long-polling widgets wait on. ``lease_*`` says which
    worker runs it; an expired lease on an unfinished attempt means that worker died.
    """

    __tablename__ = "connection_attempts"
    __table_args__ = (
        Index("ix_connection_attempts_status_lease", "status", "lease_expires_at"),
        # A utility's latest finished sign-ins (utilities/methods.py: is its connector down?).
        Index("ix_connection_attempts_utility_finished", "utility_id", "finished_at"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("connect_sessions.id", ondelete="CASCADE"), index=True
    )
    credential_id: Mapped[str] = mapped_column(
        ForeignKey("utility_credentials.id", ondelete="CASCADE"), index=True
    )
    utility_id: Mapped[str] = mapped_column(String(100))
    mode: Mapped[str] = mapped_column(String(10))
    new_login: Mapped[bool] = mapped_column(default=True)
    # The end user's address when they signed in (per-IP failure ceiling; never shown).
    client_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    status_detail: Mapped[str | None] = mapped_column(String(60), nullable=True)
    message: Mapped[str | None] = mapped_column(String(500), nullable=True)
    seq: Mapped[int] = mapped_column(default=0)
    input_seq: Mapped[int] = mapped_column(default=0)
    input_kind: Mapped[str | None] = mapped_column(String(20), nullable=True)
    input_option_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    mfa_options: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    mfa_option_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    mfa_attempts_left: Mapped[int | None] = mapped_column(nullable=True)
    lease_owner: Mapped[str | None] = mapped_column(String(100), nullable=True)
    lease_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    waiting_since: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    result: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
    authorization_code_hash: Mapped[str | None] = mapped_column(
        String(64), nullable=True, unique=True
    )
    authorization_code_expires_at: Mapped[datetime | None] = mapped_column(
        UTCDateTime, nullable=True
    )
    authorization_code_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
