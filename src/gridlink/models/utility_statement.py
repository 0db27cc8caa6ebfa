from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, ExactDecimal, UTCDateTime


class UtilityStatement(Base):
    """One bill of one meter, unique by its period ``[period_start, period_end)`` (local dates).

    Money and usage are exact decimals. ``line_items`` is a JSON list whose decimal fields are
    strings (JSON numbers would round through floats). ``pdf_file`` names the bill's PDF in the
    file store (content-addressed), null when the utility gave none.
    """

    __tablename__ = "utility_statements"
    __table_args__ = (UniqueConstraint("meter_id", "period_start", "period_end"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[str] = mapped_column(
        ForeignKey("utility_credentials.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[str] = mapped_column(
        ForeignKey("utility_accounts.id", ondelete="CASCADE"), index=True
    )
    meter_id: Mapped[str] = mapped_column(ForeignKey("utility_meters.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(Date)
    period_end: Mapped[date] = mapped_column(Date)
    statement_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    due_date: Mapped[date | None] = mapped_column(Date, nullable=True)
    amount_due: Mapped[Decimal] = mapped_column(ExactDecimal)
    currency: Mapped[str] = mapped_column(String(3))
    usage: Mapped[Decimal | None] = mapped_column(ExactDecimal, nullable=True)
    usage_unit: Mapped[str | None] = mapped_column(String(20), nullable=True)
    normalized_usage: Mapped[Decimal | None] = mapped_column(ExactDecimal, nullable=True)
    normalized_unit: Mapped[str | None] = mapped_column(String(20), nullable=True)
    line_items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    pdf_file: Mapped[str | None] = mapped_column(String(100), nullable=True)
    native_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
