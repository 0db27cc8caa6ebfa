"""The CSV "Green Button" downloads (not standardized; each layout as utilities write it).

- Opower (PG&E, ComEd and others): a preamble (``Name,..``, ``Account Number,..``), then
  ``TYPE,DATE,START TIME,END TIME,USAGE,UNITS,COST,NOTES`` (or ``USAGE (kWh)``, or
  ``IMPORT (kWh),EXPORT (kWh)`` for net metering). END TIME is inclusive (``00:14`` ends a
  15-minute interval); daily files have no times. Local wall time.
- SDG&E: ``Key,Value`` lines (``UOM,kWh``) then
  ``Meter Number,Date,Start Time,Duration,Consumption,Generation,Net``; duration in minutes;
  a repeated "1:00 AM" on the autumn DST day is the second (standard-time) one.
- SCE: ``"2020-05-01 00:00:00 to 2020-05-01 00:15:00","0.25",""`` rows under a header
  naming the unit (``Usage(Real energy in kilowatt-hours)``).
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from gridlink.connectors.models import (
    Commodity,
    Direction,
    IntervalReading,
    Meter,
    ReadingQuality,
    ServiceClass,
)
from gridlink.greenbutton.errors import GreenButtonError
from gridlink.greenbutton.limits import Limits
from gridlink.greenbutton.model import ParsedFile, ParsedMeter

_UNIT_WORDS = {"kwh": "kWh", "therms": "therm", "therm": "therm", "ccf": "CCF", "gal": "gal"}
_UNIT_WORDS |= {"kilowatt-hours": "kWh", "wh": "Wh", "m3": "m3", "gallons": "gal"}
_GAS_UNITS = {"therm", "CCF", "m3"}
_SCE_ROW = re.compile(
    r"^(\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?) to (\d{4}-\d\d-\d\d \d\d:\d\d(?::\d\d)?)$"
)
_SCE_UNIT = re.compile(r"in ([a-z-]+)\)", re.IGNORECASE)
_PAREN_UNIT = re.compile(r"\(([^)]+)\)")


class _Rows:
    """CSV rows with their line numbers, and the error that names one."""

    def __init__(self, data: bytes) -> None:
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("latin-1")
        self.rows = list(enumerate(csv.reader(io.StringIO(text, newline="")), start=1))

    def __iter__(self) -> Iterator[tuple[int, list[str]]]:
        return iter(self.rows)


def _fail(line: int, what: str) -> GreenButtonError:
    return GreenButtonError(what, where="CSV", line=line)


def _decimal(raw: str, line: int, column: str) -> Decimal | None:
    cleaned = raw.strip().replace("$", "").replace(",", "")
    if cleaned in ("", "-", "--"):
        return None
    if cleaned.startswith("(") and cleaned.endswith(")"):
        cleaned = "-" + cleaned[1:-1]
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise _fail(line, f"{column} {raw[:30]!r} is not a number") from None
    if not value.is_finite() or value.adjusted() > 30:
        raise _fail(line, f"{column} {raw[:30]!r} is not a plausible number")
    return value


def _date(raw: str, line: int) -> date:
    raw = raw.strip()
    for pattern in ("%Y-%m-%d", "%m/%d/%Y", "%m/%d/%y"):
        try:
            return datetime.strptime(raw, pattern).date()
        except ValueError:
            continue
    raise _fail(line, f"date {raw[:30]!r} is not YYYY-MM-DD or M/D/YYYY")


def _time(raw: str, line: int) -> time:
    raw = raw.strip().upper()
    for pattern in ("%H:%M", "%H:%M:%S", "%I:%M %p", "%I:%M:%S %p"):
        try:
            return datetime.strptime(raw, pattern).time()
        except ValueError:
            continue
    raise _fail(line, f"time {raw[:30]!r} is not HH:MM or H:MM AM")


def _utc(local: datetime, zone: ZoneInfo, fold: int = 0) -> datetime:
    return local.replace(tzinfo=zone, fold=fold).astimezone(UTC)


def _unit(text: str) -> str | None:
    return _UNIT_WORDS.get(text.strip().lower())


class _Builder:
    def __init__(self, zone: ZoneInfo, zone_name: str, limits: Limits) -> None:
        self.zone = zone
        self.zone_name = zone_name
        self.limits = limits
        self.readings: dict[str, dict[tuple[datetime, Direction], IntervalReading]] = {}
        self.count = 0

    def add(self, meter: str, reading: IntervalReading, line: int) -> None:
        self.count += 1
        if self.count > self.limits.max_readings:
            raise _fail(line, f"more than {self.limits.max_readings:,} readings; split the file")
        self.readings.setdefault(meter, {})[(reading.start, reading.direction)] = reading

    def result(self, warnings: list[str]) -> ParsedFile:
        meters = []
        for number, store in self.readings.items():
            readings = tuple(sorted(store.values(), key=lambda r: (r.start, r.direction)))
            unit = readings[0].unit if readings else "kWh"
            commodity = Commodity.GAS if unit in _GAS_UNITS else Commodity.ELECTRIC
            meter = Meter(number, commodity, ServiceClass.OTHER, None, self.zone_name)
            meters.append(ParsedMeter(meter, readings))
        if not meters:
            raise GreenButtonError("no readings found in this CSV file", where="CSV")
        return ParsedFile(tuple(meters), tuple(warnings))


def parse_csv(data: bytes, *, time_zone: str | None, limits: Limits) -> ParsedFile:
    warnings: list[str] = []
    if not time_zone:
        warnings.append("no time zone given for a CSV file's local times; read as UTC")
    zone_name = time_zone or "UTC"
    builder = _Builder(ZoneInfo(zone_name), zone_name, limits)
    rows = _Rows(data)
    for line, row in rows:
        first = row[0].strip().upper() if row else ""
        if first == "TYPE" and any("DATE" in cell.upper() for cell in row):
            _opower(rows, line, row, builder)
            return builder.result(warnings)
        if first == "METER NUMBER" and len(row) >= 5:
            _sdge(rows, line, row, builder)
            return builder.result(warnings)
        if row and _SCE_ROW.match(row[0].strip()):
            _sce(rows, builder)
            return builder.result(warnings)
    raise GreenButtonError(
        "no header we know: expected an Opower (TYPE,DATE,...), SDG&E (Meter Number,...) "
        'or SCE ("... to ...") layout',
        where="CSV",
    )


def _opower(rows: _Rows, header_line: int, header: list[str], builder: _Builder) -> None:
    columns = {name.strip().upper(): index for index, name in enumerate(header)}

    def find(prefix: str) -> tuple[int, str] | None:
        for name, index in columns.items():
            if name.startswith(prefix):
                return index, name
        return None

    date_col = columns.get("DATE")
    start_col, end_col = columns.get("START TIME"), columns.get("END TIME")
    units_col, cost_col = columns.get("UNITS"), columns.get("COST")
    quantities = [(c, Direction.DELIVERED) for c in [find("USAGE"), find("IMPORT")] if c]
    exported = find("EXPORT")
    if exported:
        quantities.append((exported, Direction.RECEIVED))
    if date_col is None or not quantities:
        raise _fail(header_line, "the header has no DATE or USAGE column")
    for line, row in rows:
        if line <= header_line or not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header) - 1:
            raise _fail(line, f"{len(row)} columns where the header has {len(header)}")
        day = _date(row[date_col], line)
        if start_col is not None and end_col is not None:
            start = datetime.combine(day, _time(row[start_col], line))
            end = datetime.combine(day, _time(row[end_col], line)) + timedelta(minutes=1)
            if end <= start:
                end += timedelta(days=1)  # 23:45..23:59 inclusive ends at midnight
        else:
            start = datetime.combine(day, time())
            end = start + timedelta(days=1)
        start_utc, end_utc = _utc(start, builder.zone), _utc(end, builder.zone)
        for (index, name), direction in quantities:
            value = _decimal(row[index], line, name)
            if value is None:
                continue
            match = _PAREN_UNIT.search(name)
            unit = _unit(match.group(1)) if match else None
            if unit is None and units_col is not None:
                unit = _unit(_cell(row, units_col))
            if unit is None:
                raise _fail(line, "no unit: neither a UNITS column nor a unit in the header")
            cost = _decimal(_cell(row, cost_col), line, "COST") if cost_col is not None else None
            reading = IntervalReading(
                start=start_utc,
                duration=end_utc - start_utc,
                value=value,
                unit=unit,
                direction=direction,
                cost=cost if direction is Direction.DELIVERED else None,
            )
            builder.add(row[0].strip() or "1", reading, line)


def _cell(row: list[str], index: int) -> str:
    """A cell of a row one short of the header (tolerated above): the missing last one is
    empty."""
    return row[index] if index < len(row) else ""


def _sdge(rows: _Rows, header_line: int, header: list[str], builder: _Builder) -> None:
    unit = "kWh"
    for line, row in rows:
        if line < header_line and len(row) >= 2 and row[0].strip().upper() == "UOM":
            unit = _unit(row[1]) or unit
    names = [cell.strip().lower() for cell in header]
    needed = ["meter number", "date", "start time", "duration", "consumption"]
    if any(name not in names for name in needed):
        raise _fail(header_line, f"the SDG&E header needs {', '.join(needed)}")
    at = {name: names.index(name) for name in names}
    seen: set[tuple[str, datetime]] = set()
    for line, row in rows:
        if line <= header_line or not any(cell.strip() for cell in row):
            continue
        if len(row) < len(header):
            raise _fail(line, f"{len(row)} columns where the header has {len(header)}")
        meter = row[at["meter number"]].strip() or "1"
        local = datetime.combine(_date(row[at["date"]], line), _time(row[at["start time"]], line))
        fold = 1 if (meter, local) in seen else 0  # the autumn DST hour, written twice
        seen.add((meter, local))
        minutes = _decimal(row[at["duration"]], line, "Duration")
        if minutes is None or not 0 < minutes <= 1440:
            raise _fail(line, "Duration must be minutes between 1 and 1440")
        start = _utc(local, builder.zone, fold)
        columns = [("consumption", Direction.DELIVERED), ("generation", Direction.RECEIVED)]
        for column, direction in columns:
            if column not in at:
                continue
            value = _decimal(row[at[column]], line, column.title())
            if value is not None:
                reading = IntervalReading(
                    start, timedelta(minutes=int(minutes)), value, unit, direction
                )
                builder.add(meter, reading, line)


def _sce(rows: _Rows, builder: _Builder) -> None:
    unit = "kWh"
    for line, row in rows:
        if not row:
            continue
        cell = row[0].strip()
        if len(row) >= 2 and "usage" in row[1].lower():
            found = _SCE_UNIT.search(row[1])
            unit = (_unit(found.group(1)) if found else None) or unit
            continue
        match = _SCE_ROW.match(cell)
        if not match or len(row) < 2:
            continue
        start = _parse_sce(match.group(1), line)
        end = _parse_sce(match.group(2), line)
        if end <= start:
            raise _fail(line, "the period ends before it starts")
        value = _decimal(row[1], line, "Usage")
        if value is None:
            continue
        quality_text = row[2].strip().lower() if len(row) > 2 else ""
        quality = ReadingQuality.ESTIMATED if "estimat" in quality_text else None
        start_utc = _utc(start, builder.zone)
        reading = IntervalReading(
            start_utc, _utc(end, builder.zone) - start_utc, value, unit, quality=quality
        )
        builder.add("1", reading, line)


def _parse_sce(raw: str, line: int) -> datetime:
    for pattern in ("%Y-%m-%d %H:%M:%S", "%Y-%m-%d %H:%M"):
        try:
            return datetime.strptime(raw, pattern)
        except ValueError:
            continue
    raise _fail(line, f"{raw!r} is not YYYY-MM-DD HH:MM:SS")
