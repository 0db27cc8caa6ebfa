from __future__ import annotations

from sqlalchemy import BigInteger, String
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base


class EventCounter(Base):
    """The last number handed out in one numbering scope (``client:<id>``, ``credential:<id>``).

    Incremented with an upsert inside the event's transaction; the row lock it takes on
    PostgreSQL orders concurrent writers, so numbers follow commit order without gaps.
    """

    __tablename__ = "event_counters"

    scope: Mapped[str] = mapped_column(String(60), primary_key=True)
    value: Mapped[int] = mapped_column(BigInteger)
