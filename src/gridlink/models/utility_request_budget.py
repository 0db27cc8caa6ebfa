from __future__ import annotations

from sqlalchemy import Double, String
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base


class UtilityRequestBudget(Base):
    """The request budget of one utility, shared by every worker (budgets/pacing.py, ADR 0017).

    A token bucket kept as one number: ``full_at``, the moment the bucket is full again if
    nobody takes a token meanwhile (the "theoretical arrival time" of the generic cell rate
    algorithm). Each request moves it one interval on and waits until it is no more than a
    burst ahead. Seconds since the epoch as a double, not a timestamp: the take is one
    ``INSERT ... ON CONFLICT DO UPDATE`` whose arithmetic must run in SQL on both databases,
    and SQLite stores timestamps as text. The rate and burst are not stored: they come from
    the connector's declaration and the settings, so a changed setting applies at once.
    """

    __tablename__ = "utility_request_budgets"

    utility_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    full_at: Mapped[float] = mapped_column(Double)
