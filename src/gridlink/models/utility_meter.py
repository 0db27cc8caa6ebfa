from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base, UTCDateTime


class UtilityMeter(Base):
    """A meter (service point) of a utility account; its number is unique within the account.

    ``number`` is the connector's stable key for it; ``meter_number`` (printed on the bill) and
    ``service_id`` (the utility's service point, ESI ID or service agreement id) are what a
    person recognises, null when the utility does not give them. ``unit`` is the normalized
    unit its statements' usage and its interval readings are stored in (kWh, therm, gal),
    chosen by commodity.
    """

    __tablename__ = "utility_meters"
    __table_args__ = (UniqueConstraint("account_id", "number"),)

    id: Mapped[str] = mapped_column(String(40), primary_key=True)
    client_id: Mapped[str] = mapped_column(ForeignKey("clients.id", ondelete="CASCADE"), index=True)
    credential_id: Mapped[str] = mapped_column(
        ForeignKey("utility_credentials.id", ondelete="CASCADE"), index=True
    )
    account_id: Mapped[str] = mapped_column(ForeignKey("utility_accounts.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(100))
    meter_number: Mapped[str | None] = mapped_column(String(100), nullable=True)
    service_id: Mapped[str | None] = mapped_column(String(100), nullable=True)
    commodity: Mapped[str] = mapped_column(String(20))
    service_class: Mapped[str] = mapped_column(String(20))
    tariff: Mapped[str | None] = mapped_column(String(200), nullable=True)
    time_zone: Mapped[str] = mapped_column(String(64))
    unit: Mapped[str] = mapped_column(String(20))
    native_id: Mapped[str | None] = mapped_column(String(200), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
