from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, UTCDateTime


class ConnectSession(Base):
    """One end user's visit to Connect, opened with a connect token or a connect link.

    The widget authenticates with the session's bearer (stored as its SHA-256). In create mode
    ``credential_id`` is set by the first credentials submitted and reused by retries; in
    update mode it is the credential being repaired from the start.

    ``connect_token_id`` / ``connect_link_id`` name what opened it (a token or link opens
    Connect again until a connection succeeds with it; its sessions share its failed sign-ins).
    ``closed_at``: no more input (the end user closed Connect, completed it, or opened it again
    elsewhere); a sign-in already at the utility still finishes. ``ended_at``: its bearer is
    dead and nothing in it may verify (its link was revoked, or its token or link succeeded in
    another session); ``end_reason`` says which.
    """

    __tablename__ = "connect_sessions"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    session_hash: Mapped[str] = mapped_column(String(64), unique=True)
    mode: Mapped[str] = mapped_column(String(10))
    utility_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    utility_preselected: Mapped[bool] = mapped_column(default=False)
    credential_id: Mapped[str | None] = mapped_column(
        ForeignKey("utility_credentials.id", ondelete="CASCADE"), nullable=True, index=True
    )
    connect_token_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    connect_link_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    products: Mapped[list[str]] = mapped_column(JSON)
    language: Mapped[str | None] = mapped_column(String(10), nullable=True)
    redirect_uri: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    consent_version: Mapped[str | None] = mapped_column(String(20), nullable=True)
    consented_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    consent_ip: Mapped[str | None] = mapped_column(String(64), nullable=True)
    consent_user_agent: Mapped[str | None] = mapped_column(String(500), nullable=True)
    failed_logins: Mapped[int] = mapped_column(default=0)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    end_reason: Mapped[str | None] = mapped_column(String(20), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    # Embed protocol: a single-use frame ticket (SHA-256) the framed UI trades for the bearer,
    # and the page origin that framed it (every postMessage targets exactly this origin).
    ticket_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    ticket_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    ticket_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    host_origin: Mapped[str | None] = mapped_column(String(2000), nullable=True)
