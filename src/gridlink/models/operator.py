from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, UTCDateTime


class Operator(Base):
    """A person who signs in to the dashboard (/dashboard), made with `gridlink operators`.

    ``email`` is stored lower-case (the sign-in form's email is lowered the same way).
    ``client_ids`` null: every client; otherwise the only clients this operator sees.
    ``password_hash``: Argon2id in its PHC string form (parameters and salt inside).
    ``totp_secret_sealed``: the authenticator key, sealed (operators/second_factor.py); null
    when the operator has no TOTP. ``totp_last_step``: the time step of the last code accepted,
    so the same code (or an older one) is never accepted twice.
    """

    __tablename__ = "operators"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    role: Mapped[str] = mapped_column(String(10))
    client_ids: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    totp_secret_sealed: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    totp_last_step: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[datetime] = mapped_column(UTCDateTime)
