"""The smart_meter_texas library's objects and SMT's interval answers → Gridlink's models.
Pure functions, no I/O.

- Each SMT ``Meter`` is one ESI ID (the ERCOT premise id): one ``Account`` and one
  ``Meter`` numbered by the ESI ID; the SMT meter number is the meter's ``native_id``.
  The library gives the address as one string; ``address`` reads "street, CITY ST ZIP" and
  leaves any other shape None.
- 15-minute reads: SMT answers ``{"data": {"energyData": [{"DT": "MM/DD/YYYY", "RT": "C",
  "RD": "0.123-A,0.118-E,,..."}, ...]}}``, one entry per day and read type, in Central time:
  ``RT`` "C" is consumption (delivered kWh), "G" surplus generation (received kWh). ``RD``
  holds 100 comma-separated slots; each read is ``<kWh>-<flag>``, the flag "A" for an actual
  read and "E" for an estimated one. The library's ``Meter._parse_intervals`` turns slots
  into ``MM/DD/YYYY H:MM`` times (slots 8-11 hold the repeated 1 AM hour on the autumn DST
  day and are blank on others); the flags are read here (``quality``). The second
  occurrence of a local time is the later (CST) one; times that do not exist (the
  spring-forward hour) are dropped; a read that is not a number is an unexpected answer.
- "No Energy Data received from the respective TDSP" (or an empty ``energyData``) means no
  reads for that day yet. Any other answer is the site having changed: ``ValueError``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

import smart_meter_texas as smt
from smart_meter_texas.const import API_DATE_ERROR

from gridlink.connectors.models import (
    Account,
    Commodity,
    Direction,
    IntervalReading,
    Meter,
    ReadingQuality,
    ServiceAddress,
    ServiceClass,
)
from gridlink.connectors.smart_meter_texas.utilities import TIME_ZONE

ZONE = ZoneInfo(TIME_ZONE)
INTERVAL = timedelta(minutes=15)
UNIT = "kWh"
READ_TYPES = {"C": Direction.DELIVERED, "G": Direction.RECEIVED}
QUALITY_FLAGS = {"A": ReadingQuality.ACTUAL, "E": ReadingQuality.ESTIMATED}


class Read(NamedTuple):
    """One quarter hour as SMT gave it."""

    begins: datetime  # UTC
    direction: Direction
    value: Decimal
    quality: ReadingQuality | None


def accounts(smt_meters: Iterable[Any]) -> list[Account]:
    found: dict[str, Account] = {}
    for meter in smt_meters:
        esiid = str(meter.esiid)
        found.setdefault(esiid, Account(esiid, service_address=address(meter.address)))
    return list(found.values())


# SMT prints a premise as "101 MAIN ST, DALLAS TX 75201" (street, then city, state, ZIP).
_ADDRESS = re.compile(
    r"^\s*(?P<street>.+?),\s*(?P<city>[^,]+?)\s+(?P<state>[A-Z]{2})\s+"
    r"(?P<zip>\d{5})(?:-\d{4})?\s*$"
)


def address(text: object) -> ServiceAddress | None:
    """The premise address when SMT's one string has that shape; None when it does not (an
    address guessed wrong is worse than none)."""
    found = _ADDRESS.match(text) if isinstance(text, str) else None
    if found is None:
        return None
    return ServiceAddress(
        found["street"].strip(), found["city"].strip(), found["state"], found["zip"]
    )


def meters(smt_meters: Iterable[Any], account: Account) -> list[Meter]:
    return [
        Meter(
            number=str(m.esiid),
            commodity=Commodity.ELECTRIC,
            service_class=ServiceClass.RESIDENTIAL,
            tariff=None,
            time_zone=TIME_ZONE,
            native_id=str(m.meter),
            meter_number=str(m.meter),  # the meter number on the retail provider's bill
            service_id=str(m.esiid),  # the ESI ID: ERCOT's service point
        )
        for m in smt_meters
        if str(m.esiid) == account.number
    ]


def energy_entries(answer: Any) -> list[Mapping[str, str]]:
    """The ``energyData`` entries of an interval answer; [] when SMT has none for the day."""
    data = answer.get("data") if isinstance(answer, dict) else None
    if not isinstance(data, dict):
        raise ValueError("an interval answer without its data object")
    energy, error = data.get("energyData"), data.get("errorMessage")
    if isinstance(energy, list) and energy:
        if not all(_is_entry(entry) for entry in energy):
            raise ValueError("an interval entry without DT, RT and RD")
        return energy
    if error:
        if API_DATE_ERROR in str(error):
            return []
        raise ValueError("SMT answered an interval request with an error")
    if energy == []:
        return []
    raise ValueError("an interval answer with neither reads nor a known error")


def quality(read: str) -> ReadingQuality | None:
    """An SMT read's flag: "0.123-A" → actual, "0.123-E" → estimated, no flag → None."""
    value, dash, flag = read.strip().rpartition("-")
    return QUALITY_FLAGS.get(flag.upper()) if dash and value else None


def reads(entries: Iterable[Mapping[str, str]]) -> list[Read]:
    """Every quarter hour of ``entries``; a negative read counts for the other direction."""
    found: list[Read] = []
    for entry in entries:
        direction = READ_TYPES.get(entry["RT"])
        if direction is None:
            continue  # a read type SMT may add; the library skips them too
        times = smt.Meter._parse_intervals(entry["DT"], entry["RD"])
        flags = [quality(slot) for slot in entry["RD"].split(",") if slot]  # the same slots
        for (begins, value), flag in zip(_timed(times), flags, strict=True):
            if begins is None or value is None:
                continue
            flow = direction if value >= 0 else _other(direction)
            found.append(Read(begins, flow, abs(value), flag))
    return found


def readings(found_reads: Iterable[Read], start: datetime, end: datetime) -> list[IntervalReading]:
    """The reads in ``[start, end)``, one per (start, direction), sorted."""
    found: dict[tuple[datetime, Direction], IntervalReading] = {}
    for read in found_reads:
        if start <= read.begins < end:
            found[read.begins, read.direction] = IntervalReading(
                read.begins, INTERVAL, read.value, UNIT, read.direction, quality=read.quality
            )
    return [found[key] for key in sorted(found)]


def _is_entry(entry: object) -> bool:
    return isinstance(entry, dict) and all(
        isinstance(entry.get(key), str) for key in ("DT", "RT", "RD")
    )


def _timed(
    pairs: Iterable[Sequence[str]],
) -> Iterable[tuple[datetime | None, Decimal | None]]:
    """(UTC start, value) for each pair, resolving the repeated autumn hour by order; a local
    time that does not exist gives (None, None), keeping its place. A read that is not a
    number is the site having changed: ``ValueError``, not a quietly missing quarter hour."""
    seen: set[datetime] = set()
    for pair in pairs:
        naive = _local_time(pair[0])
        try:
            value = Decimal(pair[1])
        except InvalidOperation as error:
            raise ValueError("an SMT read that is not a number") from error
        if not value.is_finite():
            raise ValueError("an SMT read that is not a number")
        local = naive.replace(tzinfo=ZONE, fold=1 if naive in seen else 0)
        seen.add(naive)
        begins = local.astimezone(UTC)
        if begins.astimezone(ZONE).replace(tzinfo=None) != naive:
            yield None, None  # the spring-forward hour
            continue
        yield begins, value


def _local_time(text: str) -> datetime:
    """``MM/DD/YYYY H:MM`` as the library prints it (strptime, field by field: ten times
    faster, and a backfill parses 70,000 of them)."""
    day, _, clock = text.partition(" ")
    month, day_of_month, year = day.split("/")
    hour, minute = clock.split(":")
    return datetime(int(year), int(month), int(day_of_month), int(hour), int(minute))


def _other(direction: Direction) -> Direction:
    return Direction.RECEIVED if direction == Direction.DELIVERED else Direction.DELIVERED
