"""The common IntervalBlock read in a few C calls: serialize it once, match every reading.

Handing each of a reading's five elements to Python costs more than the rest of the parse
(``bench/greenbutton_parse.py``), while libxml2 serializes a block and ``re`` scans it in
a few microseconds. So a block is first tried here: every ``IntervalReading`` child must be
written in the ESPI order with plain parts only (an optional ``cost``, an optional
``ReadingQuality`` holding one ``quality``, a ``timePeriod`` holding ``duration`` and
``start``, a ``value``; texts of ASCII digits; no attributes, no other elements). Anything
else, however slight, returns None and :func:`intervals.read_block` reads the block as
before, so this path only ever answers where the result is the same.

Why the serialization can be trusted: comments and processing instructions are gone (the
parser drops them), CDATA is plain text and no entity survives (no DTD), so what lies
between two tags is a text node, which the readings never look at; text is escaped, so a
``<`` always opens a tag. Only unprefixed tags or the block's own (declared) prefix are
accepted, so each tag's written name is its local name, the only thing the rules use.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import repeat

from lxml import etree

from gridlink.greenbutton.intervals import RawReadings
from gridlink.greenbutton.values import LAST_SECOND

_READING = "{*}IntervalReading"
# The limits of the plain spellings intervals.py reads inline (values.py beyond them).
_EXACT_DIGITS = 28
_START_DIGITS = 11
_CODE_DIGITS = 30  # values.number refuses more (adjusted exponent above 30)
_LONGEST = 10 * 366 * 86400  # values.seconds: a plausible duration


@lru_cache(maxsize=16)  # one per prefix seen; files use one or two
def _pattern(prefix: str) -> re.Pattern[str]:
    p = re.escape(prefix)
    gap = "[^<]*"  # a text node or nothing

    def leaf(name: str) -> str:
        return f"<{p}{name}>([0-9]+)</{p}{name}>"

    return re.compile(
        f"<{p}IntervalReading>{gap}"
        f"(?:{leaf('cost')}{gap})?"
        f"(?:<{p}ReadingQuality>{gap}{leaf('quality')}{gap}</{p}ReadingQuality>{gap})?"
        f"<{p}timePeriod>{gap}{leaf('duration')}{gap}{leaf('start')}{gap}</{p}timePeriod>{gap}"
        f"{leaf('value')}{gap}</{p}IntervalReading>"
    )


def read_plain(block: etree._Element) -> RawReadings | None:
    """The readings of ``block`` when all of them are plainly written, else None."""
    children = sum(1 for _ in block.iterchildren(_READING))
    if not children:
        return None
    prefix = block.prefix
    text = etree.tostring(block, encoding="unicode", with_tail=False)
    found = _pattern(f"{prefix}:" if prefix else "").findall(text)
    # Every IntervalReading anywhere in the block (each name is written twice, or once if
    # empty) must be a direct child and matched; a stray one in a text makes it fall back.
    if len(found) != children or text.count("IntervalReading") != 2 * children:
        return None
    costs, qualities, durations, starts, values = (
        list(column) for column in zip(*found, strict=True)
    )
    if max(map(len, starts)) > _START_DIGITS or max(map(len, values)) > _EXACT_DIGITS:
        return None
    seconds = list(map(int, starts))
    if max(seconds) >= LAST_SECOND:
        return None
    lengths = _durations(set(durations))
    if lengths is None:
        return None
    readings = RawReadings(
        starts=list(map(datetime.fromtimestamp, seconds, repeat(UTC))),
        durations=list(map(lengths.__getitem__, durations)),
        values=list(map(Decimal, values)),
    )
    if any(costs):
        if max(map(len, costs)) > _EXACT_DIGITS:
            return None
        readings.costs = [Decimal(cost) if cost else None for cost in costs]
        readings.any_cost = True
    else:
        readings.costs = [None] * children
    if any(qualities):
        if max(map(len, qualities)) > _CODE_DIGITS:
            return None
        readings.qualities = [(int(code),) if code else () for code in qualities]
        readings.any_quality = True
    else:
        readings.qualities = [()] * children
    return readings


def _durations(texts: set[str]) -> dict[str, timedelta] | None:
    """Each distinct duration as values.seconds reads it; None if one is implausible (the
    slow path then names it)."""
    read: dict[str, timedelta] = {}
    for raw in texts:
        number = Decimal(raw)
        if number.adjusted() > 30 or not 0 < number <= _LONGEST:
            return None
        read[raw] = timedelta(seconds=float(number))
    return read
