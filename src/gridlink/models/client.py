from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, UTCDateTime


class Client(Base):
    """An integrating app. Its environment decides which utilities it may see."""

    __tablename__ = "clients"

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    environment: Mapped[str] = mapped_column(String(10))
    allowed_origins: Mapped[list[str]] = mapped_column(JSON)
    redirect_uris: Mapped[list[str]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Sandbox clients can move their own clock forward (utility-side time only: MFA sessions,
    # syncs, the sandbox utilities). Always 0 for live clients.
    sandbox_clock_offset_seconds: Mapped[int] = mapped_column(BigInteger, default=0)
    # Branding shown to end users in Connect: an https (or local) image URL, a #rrggbb colour.
    logo_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    accent_color: Mapped[str | None] = mapped_column(String(7), nullable=True)
    # The order Connect offers a utility's connection methods in ("green_button", "login",
    # "file"); a method left out is not offered. Null: Gridlink's order (utilities/methods.py).
    connection_methods: Mapped[list[str] | None] = mapped_column(JSON, nullable=True)
