from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, UTCDateTime


class ConnectToken(Base):
    """A short-lived, single-purpose token that opens Connect for one end user.

    Stored as its SHA-256. ``mode`` is ``create`` (link a new utility account) or ``update``
    (repair ``utility_credential_id``). It opens Connect as often as needed until it expires,
    until a connection succeeds with it (``used_at``), or until its sessions used up their
    failed sign-ins.
    """

    __tablename__ = "connect_tokens"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    utility_credential_id: Mapped[str | None] = mapped_column(
        ForeignKey("utility_credentials.id", ondelete="CASCADE"), nullable=True, index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    mode: Mapped[str] = mapped_column(String(10))
    utility_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    products: Mapped[list[str]] = mapped_column(JSON)
    language: Mapped[str | None] = mapped_column(String(10), nullable=True)
    redirect_uri: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # The operator who made it in the dashboard, which opens Connect from this server's own
    # origin for any client (connect/frames.py); null for a client backend's token.
    operator_id: Mapped[str | None] = mapped_column(String(40), nullable=True)
