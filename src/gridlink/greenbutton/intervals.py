"""The hot loop: an IntervalBlock's readings, read into columns.

A year of hourly data is 8,760 readings of five elements each, so this is where a parse
spends its time (``bench/greenbutton_parse.py`` measures it). The rules are those of
:mod:`values`; only the common spellings are read inline: a start, value or cost written as
plain ASCII digits, and a duration already seen in the block. Anything else (signs,
fractions, whitespace, milliseconds, empty or bad text) goes through :mod:`values`, which
validates it and names the element and its line, so the fast path never changes what a file
means.

Within a reading the parts are read in file order and a repeated part replaces the earlier
one (within ``timePeriod`` the first ``start`` and ``duration`` count), as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from lxml import etree

from gridlink.greenbutton import values as v
from gridlink.greenbutton.values import LAST_SECOND
from gridlink.greenbutton.xmlsafe import local

_READING = "{*}IntervalReading"  # lxml matches the local name in any namespace, or none
# Plain digits up to this length are a Decimal that scaling by 10^0 leaves as it is (the
# default context keeps 28 digits), and a start up to 11 digits is read as an int at once.
_EXACT_DIGITS = 28
_START_DIGITS = 11


@dataclass(slots=True)
class RawReadings:
    """One IntervalBlock's readings, one list entry per reading, as the file writes them
    (values unscaled, costs in 1/100,000)."""

    starts: list[datetime] = field(default_factory=list)
    durations: list[timedelta | None] = field(default_factory=list)
    values: list[Decimal] = field(default_factory=list)
    costs: list[Decimal | None] = field(default_factory=list)
    qualities: list[tuple[int, ...]] = field(default_factory=list)
    # Whether any reading has a cost / a quality, so callers can skip those columns.
    any_cost: bool = False
    any_quality: bool = False
    # Whether every value has at most 28 digits, so that scaling by 10^0 can be skipped.
    exact: bool = True

    def __len__(self) -> int:
        return len(self.starts)


def read_block(block: etree._Element) -> RawReadings:
    """The readings of ``block``; an IntervalReading with no start or no value is left out."""
    found = RawReadings()
    starts, durations, values = found.starts, found.durations, found.values
    costs, qualities = found.costs, found.qualities
    names: dict[object, str] = {}  # tag → local name, for this block's few tags
    seconds: dict[str, timedelta | None] = {}  # duration text → duration
    from_timestamp = datetime.fromtimestamp
    for reading in block.iterchildren(_READING):
        start: datetime | None = None
        duration: timedelta | None = None
        value: Decimal | None = None
        cost: Decimal | None = None
        quality: tuple[int, ...] = ()
        for part in reading:
            tag = part.tag
            name = names.get(tag)
            if name is None:
                name = names[tag] = local(tag)
            if name == "timePeriod":
                start_at = length = None
                for piece in part:
                    tag = piece.tag
                    name = names.get(tag)
                    if name is None:
                        name = names[tag] = local(tag)
                    if name == "start":
                        if start_at is None:
                            start_at = piece
                    elif name == "duration" and length is None:
                        length = piece
                raw = None if start_at is None else start_at.text
                if (
                    raw is not None
                    and len(raw) <= _START_DIGITS
                    and raw.isdigit()
                    and raw.isascii()
                    and (second := int(raw)) < LAST_SECOND
                ):
                    start = from_timestamp(second, UTC)
                else:
                    start = v.instant(start_at)
                raw = None if length is None else length.text
                if raw is None or raw not in seconds:
                    duration = v.seconds(length)
                    if raw is not None:
                        seconds[raw] = duration
                else:
                    duration = seconds[raw]
            elif name == "value":
                value = _plain_digits(part.text)
                if value is None:
                    value = v.number(part)
                    if value is not None and len(value.as_tuple().digits) > _EXACT_DIGITS:
                        found.exact = False
            elif name == "cost":
                cost = _plain_digits(part.text)
                if cost is None:
                    cost = v.number(part)
            elif name == "ReadingQuality":
                code = v.integer(v.children(part).get("quality"))
                if code is not None:
                    quality = (*quality, code)
        if start is None or value is None:
            continue  # an empty reading says nothing
        starts.append(start)
        durations.append(duration)
        values.append(value)
        costs.append(cost)
        qualities.append(quality)
        if cost is not None:
            found.any_cost = True
        if quality:
            found.any_quality = True
    return found


def _plain_digits(raw: str | None) -> Decimal | None:
    """The common case read directly: ASCII digits that a Decimal holds exactly. None for
    anything else (signs, spaces, too many digits), which ``values.number`` reads and judges."""
    if raw is not None and len(raw) <= _EXACT_DIGITS and raw.isdigit() and raw.isascii():
        return Decimal(raw)
    return None
