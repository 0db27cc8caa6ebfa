from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, UTCDateTime


class GreenButtonAuthorization(Base):
    """One trip of an end user to a Data Custodian's authorization page, from one Connect
    session.

    ``state_hash`` is the SHA-256 of the OAuth ``state`` sent with them: the callback finds the
    trip by it, once, before ``expires_at``, and only while the session is open. The PKCE
    verifier and then the authorization code are sealed in the vault under this row's id until
    the worker exchanges the code (``attempt_id``: the connection attempt that does).
    ``status``: pending → authorized | denied | expired | failed.
    """

    __tablename__ = "green_button_authorizations"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    session_id: Mapped[str] = mapped_column(
        ForeignKey("connect_sessions.id", ondelete="CASCADE"), index=True
    )
    custodian_id: Mapped[str] = mapped_column(
        ForeignKey("green_button_custodians.id", ondelete="CASCADE"), index=True
    )
    state_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20))
    # The callback URL sent with the trip; the code exchange must send the same one.
    redirect_uri: Mapped[str] = mapped_column(String(1000))
    attempt_id: Mapped[str | None] = mapped_column(String(40), nullable=True, index=True)
    message: Mapped[str | None] = mapped_column(String(500), nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
