from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, UTCDateTime

# Byte order on both databases: SQLite compares text as bytes (BINARY); PostgreSQL would use the
# database's locale, which ignores spaces and punctuation and so would page differently.
SortableName = String(200).with_variant(String(200, collation="C"), "postgresql")


class Utility(Base):
    """One entry of the utility catalog: a sandbox utility, an imported EIA utility, or one a
    connector serves. Sandbox clients see only ``environment == "sandbox"``, live clients only
    ``"live"``."""

    __tablename__ = "utilities"
    __table_args__ = (Index("ix_utilities_environment_sort_name", "environment", "sort_name"),)

    id: Mapped[str] = mapped_column(String(100), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    # The name EIA gives it; ``name`` is the one people know (utilities/brands.py).
    legal_name: Mapped[str | None] = mapped_column(String(200), nullable=True)
    sort_name: Mapped[str] = mapped_column(SortableName)
    search_text: Mapped[str] = mapped_column(String(500))
    logo_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    electric: Mapped[bool] = mapped_column(Boolean)
    gas: Mapped[bool] = mapped_column(Boolean)
    water: Mapped[bool] = mapped_column(Boolean)
    sign_in_kinds: Mapped[list[str]] = mapped_column(JSON)
    mfa_methods: Mapped[list[str]] = mapped_column(JSON)
    connector_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    forgot_password_url: Mapped[str | None] = mapped_column(String(2000), nullable=True)
    status: Mapped[str] = mapped_column(String(20))
    environment: Mapped[str] = mapped_column(String(10))
    eia_ids: Mapped[list[int]] = mapped_column(JSON)
    eia_edition: Mapped[int | None] = mapped_column(Integer, nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
