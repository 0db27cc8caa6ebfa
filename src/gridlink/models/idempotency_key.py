from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, UTCDateTime


class IdempotencyKey(Base):
    """A POST's ``Idempotency-Key`` and the response it produced, kept 24 hours.

    The key is stored as its SHA-256; the saved response is sealed (it may hold a secret such
    as a connect token) with a key derived from the master key and the idempotency key itself.
    """

    __tablename__ = "idempotency_keys"
    __table_args__ = (UniqueConstraint("client_id", "key_hash"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    key_hash: Mapped[str] = mapped_column(String(64))
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int | None] = mapped_column(nullable=True)
    response: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
