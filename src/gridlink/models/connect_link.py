from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, UTCDateTime


class ConnectLink(Base):
    """A URL for an end user to repair one credential (update mode only), valid 72 hours,
    dead after a successful use or when revoked. Stored as the SHA-256 of its token."""

    __tablename__ = "connect_links"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[str] = mapped_column(
        ForeignKey("utility_credentials.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Where the link page's result screens send the end user back ("Return to {client}"): one
    # of the client's registered redirect URIs, checked when the link is made.
    redirect_uri: Mapped[str | None] = mapped_column(String(2000), nullable=True)
