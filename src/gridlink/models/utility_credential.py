from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, UTCDateTime


class UtilityCredential(Base):
    """One login at one utility for one end user.

    The username, password, MFA session token and authenticator key are sealed in the vault
    under this record's id (fields ``username``, ``password``, ``session_token``,
    ``totp_secret``); no column here holds a secret.
    ``username_hash`` only finds an existing credential for the same login (no duplicates).
    ``method`` says how it connects (``CredentialMethod``): a connector's sign-in, uploaded
    Green Button files, or a Green Button Connect authorization.
    """

    __tablename__ = "utility_credentials"
    __table_args__ = (
        Index("ix_utility_credentials_user_utility", "user_id", "utility_id"),
        # The dashboard's list in order of updates (migration 0016).
        Index("ix_utility_credentials_updated", "updated_at", "id"),
    )

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[str] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    utility_id: Mapped[str] = mapped_column(String(100))
    status: Mapped[str] = mapped_column(String(20))
    method: Mapped[str] = mapped_column(String(20), default="login", server_default="login")
    status_detail: Mapped[str | None] = mapped_column(String(60), nullable=True)
    action_required: Mapped[bool] = mapped_column(default=False)
    username_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    mfa_session_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    mfa_expiring_notified_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    last_synced_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    # Set by the sync engine in the transaction that commits the first sync's data; until then
    # the data endpoints answer data_unavailable for this credential.
    data_ready_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
