from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Integer, LargeBinary, String
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base


class UtilityIntervalDay(Base):
    """One meter's interval readings of one direction over one UTC day, packed.

    Slot ``i`` covers ``[day 00:00 UTC + offset_seconds + i * interval_seconds, + interval)``;
    ``packed`` holds one little-endian signed integer per slot (4 or 8 bytes, by the blob's
    length) in millionths of the meter's unit, the type's minimum for a missing reading. The
    readings' details, null when none has any: ``costs`` (millionths of the currency, packed the
    same way), ``qualities`` (a byte per slot) and ``components`` (JSON by slot). See ADR 0010
    and ``gridlink/data/intervals.py``. No surrogate id: the key is the natural one.
    """

    __tablename__ = "utility_interval_days"

    meter_id: Mapped[str] = mapped_column(
        ForeignKey("utility_meters.id", ondelete="CASCADE"), primary_key=True
    )
    direction: Mapped[str] = mapped_column(String(10), primary_key=True)
    day: Mapped[date] = mapped_column(Date, primary_key=True)
    interval_seconds: Mapped[int] = mapped_column(Integer)
    offset_seconds: Mapped[int] = mapped_column(Integer)
    source_unit: Mapped[str] = mapped_column(String(20))
    packed: Mapped[bytes] = mapped_column(LargeBinary)
    costs: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    qualities: Mapped[bytes | None] = mapped_column(LargeBinary, nullable=True)
    components: Mapped[dict[str, Any] | None] = mapped_column(JSON, nullable=True)
