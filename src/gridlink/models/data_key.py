from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, UTCDateTime


class DataKey(Base):
    """The data key of one vault record (e.g. one utility credential), wrapped by a master key.

    Only the wrapped form is stored. Rotation re-wraps this row; deleting it makes every value
    sealed under it unreadable (crypto-shredding). See docs/decisions/0008-envelope-encryption.md.
    """

    __tablename__ = "data_keys"
    __table_args__ = (UniqueConstraint("client_id", "record_id"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"))
    record_id: Mapped[str] = mapped_column(String(100))
    master_key_id: Mapped[str] = mapped_column(String(40), index=True)
    wrapped_key: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    rewrapped_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
