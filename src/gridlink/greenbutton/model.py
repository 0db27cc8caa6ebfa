"""What a parsed Green Button file holds, in the connector models the sync engine stores."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from gridlink.connectors.models import IntervalReading, Meter, Statement


@dataclass(frozen=True, slots=True)
class ParsedMeter:
    """One usage point (a meter) with what the file says about it."""

    meter: Meter
    readings: tuple[IntervalReading, ...] = ()
    statements: tuple[Statement, ...] = ()


@dataclass(frozen=True, slots=True)
class ParsedFile:
    """Every usage point found, with its readings and bills, and what we had to guess.

    ``warnings`` are things the reader worked around (a missing ReadingType, a time zone taken
    from LocalTimeParameters, an unknown code): show them, never hide them.
    """

    meters: tuple[ParsedMeter, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def reading_count(self) -> int:
        return sum(len(meter.readings) for meter in self.meters)

    @property
    def statements(self) -> tuple[Statement, ...]:
        return tuple(s for meter in self.meters for s in meter.statements)

    @property
    def start(self) -> datetime | None:
        """The first reading's start (UTC), None without readings."""
        starts = [r.start for meter in self.meters for r in meter.readings]
        return min(starts) if starts else None

    @property
    def end(self) -> datetime | None:
        """The last reading's end (UTC), None without readings."""
        ends = [r.end for meter in self.meters for r in meter.readings]
        return max(ends) if ends else None


def merge(files: list[ParsedFile]) -> ParsedFile:
    """Several files (a zip's members) as one; meters with the same number are joined."""
    by_number: dict[str, ParsedMeter] = {}
    warnings: list[str] = []
    for parsed in files:
        warnings.extend(parsed.warnings)
        for item in parsed.meters:
            known = by_number.get(item.meter.number)
            if known is None:
                by_number[item.meter.number] = item
            else:
                by_number[item.meter.number] = ParsedMeter(
                    known.meter,
                    known.readings + item.readings,
                    known.statements + item.statements,
                )
    return ParsedFile(tuple(by_number.values()), tuple(warnings))
