from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, ExactDecimal, UTCDateTime


class UtilityStatement(Base):
    """One bill of one meter, unique by its period ``[period_start, period_end)`` (local dates):
    a re-issue of a period replaces it; bills of other, overlapping periods are rows of their own.

    Money and usage are exact decimals, null when the utility did not give them (rows written
    before 0011 have their old ``amount_due``, the sum of the current charges, in
    ``new_charges``). ``line_items`` and ``tou_usage`` are JSON lists whose decimal fields are
    strings (JSON numbers would round through floats); ``tou_usage`` is null in rows written
    before 0011. ``pdf_file`` names the bill's PDF in the file store (content-addressed), null
    when the utility gave none.
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
    amount_due: Mapped[Decimal | None] = mapped_column(ExactDecimal, nullable=True)
    new_charges: Mapped[Decimal | None] = mapped_column(ExactDecimal, nullable=True)
    total_charges: Mapped[Decimal | None] = mapped_column(ExactDecimal, nullable=True)
    previous_balance: Mapped[Decimal | None] = mapped_column(ExactDecimal, nullable=True)
    payments: Mapped[Decimal | None] = mapped_column(ExactDecimal, nullable=True)
    currency: Mapped[str] = mapped_column(String(3))
    usage: Mapped[Decimal | None] = mapped_column(ExactDecimal, nullable=True)
    usage_unit: Mapped[str | None] = mapped_column(String(20), nullable=True)
    normalized_usage: Mapped[Decimal | None] = mapped_column(ExactDecimal, nullable=True)
    normalized_unit: Mapped[str | None] = mapped_column(String(20), nullable=True)
    demand: Mapped[Decimal | None] = mapped_column(ExactDecimal, nullable=True)
    demand_unit: Mapped[str | None] = mapped_column(String(20), nullable=True)
    tou_usage: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON, nullable=True)
    line_items: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    pdf_file: Mapped[str | None] = mapped_column(String(100), nullable=True)
    native_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
