from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, UTCDateTime


class SealedSecret(Base):
    """One sealed field (password, MFA session token, OAuth refresh token) of a vault record.

    ``ciphertext`` is AES-256-GCM under the record's data key, with associated data binding
    client, record, field and data key, so a value copied to another row fails to open.
    """

    __tablename__ = "sealed_secrets"

    data_key_id: Mapped[str] = mapped_column(
        ForeignKey("data_keys.id", ondelete="CASCADE"), primary_key=True
    )
    field: Mapped[str] = mapped_column(String(40), primary_key=True)
    ciphertext: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
