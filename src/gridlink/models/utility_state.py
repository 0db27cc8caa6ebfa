from __future__ import annotations

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base


class UtilityState(Base):
    """A state a utility serves: drives the ``state`` filter and the zip-to-state fallback."""

    __tablename__ = "utility_states"
    __table_args__ = (Index("ix_utility_states_state", "state", "utility_id"),)

    utility_id: Mapped[str] = mapped_column(
        ForeignKey("utilities.id", ondelete="CASCADE"), primary_key=True
    )
    state: Mapped[str] = mapped_column(String(2), primary_key=True)
