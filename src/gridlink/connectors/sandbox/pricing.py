"""The sandbox utilities' prices: what sandbox interval readings cost.

Electricity is on a time-of-use rate (on-peak 16:00-21:00 local every day, dearer in summer,
June to September), so its readings carry a period; gas and water have one flat price. The
numbers are plausible US residential rates, not any utility's tariff.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import lru_cache

from gridlink.connectors.models import Commodity

ON_PEAK_HOURS = range(16, 21)
SUMMER_MONTHS = range(6, 10)


@dataclass(frozen=True, slots=True)
class Rate:
    price: Decimal  # per unit of the reading
    period: str | None  # None for a flat rate
    season: str | None


@dataclass(frozen=True, slots=True)
class PriceList:
    summer: tuple[Rate, ...]  # by local hour, 0-23
    winter: tuple[Rate, ...]

    def for_day(self, day: date) -> tuple[Rate, ...]:
        return self.summer if day.month in SUMMER_MONTHS else self.winter


def _time_of_use(season: str, peak: str, off_peak: str) -> tuple[Rate, ...]:
    return tuple(
        Rate(Decimal(peak), "ON_PEAK", season)
        if hour in ON_PEAK_HOURS
        else Rate(Decimal(off_peak), "OFF_PEAK", season)
        for hour in range(24)
    )


_FLAT = {"therm": "1.42", "gal": "0.0061"}


@lru_cache(maxsize=8)
def price_list(commodity: Commodity, unit: str) -> PriceList:
    if commodity == Commodity.ELECTRIC:
        return PriceList(
            summer=_time_of_use("SUMMER", "0.48", "0.27"),
            winter=_time_of_use("WINTER", "0.39", "0.24"),
        )
    flat = (Rate(Decimal(_FLAT.get(unit, "1.00")), None, None),) * 24
    return PriceList(summer=flat, winter=flat)
