from __future__ import annotations

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from gridlink.models.base import Base


class UtilityZipCode(Base):
    """A utility that serves a zip code, from an EIA/OpenEI import (or the sandbox seed).

    One row per (zip, utility): the EIA files list a utility twice when it also offers
    delivery-only service; the import keeps the better of the two. ``rank`` orders a zip's
    utilities, lowest first (see docs/decisions/0007-zip-to-utility.md). ``edition`` is the data
    year: a zip keeps only the rows of the newest edition that mentions it. ``matched_by`` is
    ``zip`` when the zip data lists the utility there (or a connector declares it) and ``area``
    when it is suggested from the zips around (ADR 0007).
    """

    __tablename__ = "utility_zip_codes"

    zip: Mapped[str] = mapped_column(String(5), primary_key=True)
    utility_id: Mapped[str] = mapped_column(
        ForeignKey("utilities.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    state: Mapped[str] = mapped_column(String(2))
    service_type: Mapped[str] = mapped_column(String(10))
    ownership: Mapped[str] = mapped_column(String(40))
    rank: Mapped[int] = mapped_column(Integer)
    edition: Mapped[int] = mapped_column(Integer)
    matched_by: Mapped[str] = mapped_column(String(10), default="zip", server_default="zip")
