"""How much a sandbox meter uses on a day and through it: seasonal level times hourly shape.

Values are integers in a commodity's smallest unit (Wh, milli-therm, gallon) so that sums
over intervals are exact; ``UsageProfile.exponent`` turns them into the reported unit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date, timedelta

from gridlink.connectors.models import Commodity


@dataclass(frozen=True, slots=True)
class UsageProfile:
    slot: timedelta
    unit: str
    exponent: int  # reported value = integer * 10**exponent
    daily_base: float  # integer units per day for a size-1.0 customer
    winter: tuple[float, ...]  # 24 hourly weights, mean 1
    summer: tuple[float, ...]

    def slots_per_day(self) -> int:
        return int(timedelta(days=1) / self.slot)


def _normalized(weights: tuple[float, ...]) -> tuple[float, ...]:
    mean = sum(weights) / len(weights)
    return tuple(w / mean for w in weights)


# Hourly weights from local midnight, before normalization.
# fmt: off
_ELECTRIC_WINTER = (5, 4.5, 4.2, 4, 4, 4.6, 7, 9.5, 9, 7, 6, 5.8,
                    5.8, 5.6, 5.8, 6.5, 8.5, 11, 12.5, 12, 11, 9.5, 7.5, 6)
_ELECTRIC_SUMMER = (5.5, 5, 4.6, 4.4, 4.3, 4.5, 5.2, 6, 6.2, 6.5, 7, 7.8,
                    8.8, 10, 11.5, 13, 14.5, 15, 14.5, 13, 11.5, 9.5, 7.8, 6.5)
_GAS_WINTER = (3, 3, 3, 3, 3.5, 6, 10, 11, 8, 5, 4, 4,
               4, 4, 4, 4.5, 6, 9, 10, 9, 7, 5, 4, 3.5)
_GAS_SUMMER = (1, 1, 1, 1, 1, 2, 5, 6, 4, 2, 1.5, 1.5,
               2, 1.5, 1.5, 1.5, 2, 4, 5, 4, 3, 2, 1.5, 1)
_WATER_WINTER = (0.4, 0.3, 0.3, 0.3, 0.4, 1, 3.5, 4, 3, 1.8, 1.2, 1.1,
                 1.1, 1, 1, 1.1, 1.4, 2, 2.6, 2.4, 2, 1.6, 1, 0.6)
_WATER_SUMMER = (0.4, 0.3, 0.3, 0.3, 3, 4.5, 4.5, 4, 3, 1.8, 1.2, 1.1,  # irrigation at dawn
                 1.1, 1, 1, 1.1, 1.4, 2, 2.8, 2.6, 2.2, 1.6, 1, 0.6)
# fmt: on

PROFILES = {
    Commodity.ELECTRIC: UsageProfile(
        timedelta(minutes=15),
        "kWh",
        -3,
        21_000,
        _normalized(_ELECTRIC_WINTER),
        _normalized(_ELECTRIC_SUMMER),
    ),
    Commodity.GAS: UsageProfile(
        timedelta(hours=1), "therm", -3, 3_200, _normalized(_GAS_WINTER), _normalized(_GAS_SUMMER)
    ),
    Commodity.WATER: UsageProfile(
        timedelta(hours=1), "gal", 0, 260, _normalized(_WATER_WINTER), _normalized(_WATER_SUMMER)
    ),
}


def summerness(day: date) -> float:
    """1.0 in late July, 0.0 in mid January."""
    return (1 + math.cos(2 * math.pi * (day.timetuple().tm_yday - 200) / 365.25)) / 2


def daily_level(commodity: Commodity, day: date, size: float, noise: float) -> float:
    """Integer units a size-1.0 customer uses on ``day``, before the hourly shape."""
    summer = summerness(day)
    winter = 1 - summer
    weekend = day.weekday() >= 5
    base = PROFILES[commodity].daily_base * size * noise
    if commodity == Commodity.ELECTRIC:
        return base * (0.85 + 0.45 * summer**2 + 0.15 * winter**2) * (1.08 if weekend else 1.0)
    if commodity == Commodity.GAS:
        return base * (0.12 + 0.88 * float(winter**1.5))
    return base * (0.8 + 0.7 * summer**2) * (1.1 if weekend else 1.0)


def solar_wh(
    slot_utc_hours: list[float], noon_utc: float, day: date, kw: float, clearness: float
) -> list[int]:
    """Energy (Wh) a ``kw`` array makes in each 15 minutes starting at the given UTC hours."""
    half_day = (12 + 2.4 * math.sin(2 * math.pi * (day.timetuple().tm_yday - 80) / 365.25)) / 2
    peak = kw * 250 * (0.8 + 0.2 * summerness(day)) * clearness
    made = []
    for hour in slot_utc_hours:
        x = ((hour + 0.125 - noon_utc + 12) % 24 - 12) / half_day
        made.append(round(peak * math.cos(math.pi * x / 2) ** 1.5) if -1 < x < 1 else 0)
    return made
