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

# The plain spellings intervals.py reads inline, as digit counts the pattern allows: a start
# of up to 11 digits, a value or cost of up to 28 (exact as a Decimal), a quality code of up
# to 30 (values.number refuses more). Longer ones go the slow way, which judges them.
_START, _EXACT, _CODE = "{1,11}", "{1,28}", "{1,30}"
_LONGEST = 10 * 366 * 86400  # values.seconds: a plausible duration
# Duration texts already read ("900", "3600"): a handful per file, capped all the same.
_KNOWN: dict[str, timedelta] = {}
_KNOWN_MAX = 256


@lru_cache(maxsize=16)  # one per prefix seen; files use one or two
def _pattern(prefix: str) -> re.Pattern[str]:
    p = re.escape(prefix)
    gap = "[^<]*"  # a text node or nothing

    def leaf(name: str, digits: str = "+") -> str:
        return f"<{p}{name}>([0-9]{digits})</{p}{name}>"

    # Each reading must be followed by the next reading or by the block's end, so that a
    # chain of siblings ends at the block: every match is one of the block's own children.
    return re.compile(
        f"<{p}IntervalReading>{gap}"
        f"(?:{leaf('cost', _EXACT)}{gap})?"
        f"(?:<{p}ReadingQuality>{gap}{leaf('quality', _CODE)}{gap}</{p}ReadingQuality>{gap})?"
        f"<{p}timePeriod>{gap}{leaf('duration')}{gap}{leaf('start', _START)}{gap}"
        f"</{p}timePeriod>{gap}{leaf('value', _EXACT)}{gap}</{p}IntervalReading>"
        f"(?={gap}(?:<{p}IntervalReading>|</{p}IntervalBlock>\\Z))"
    )


def read_plain(block: etree._Element) -> RawReadings | None:
    """The readings of ``block`` when all of them are plainly written, else None."""
    prefix = block.prefix
    text = etree.tostring(block, encoding="unicode", with_tail=False)
    found = _pattern(f"{prefix}:" if prefix else "").findall(text)
    # Each IntervalReading element is written twice (start and end tag), once if empty: when
    # the name occurs exactly twice per match, every one of them (any prefix) was matched.
    count = len(found)
    if not count or text.count("IntervalReading") != 2 * count:
        return None
    costs, qualities, durations, starts, values = zip(*found, strict=True)
    seconds = list(map(int, starts))
    if max(seconds) >= LAST_SECOND:
        return None
    lengths = list(map(_KNOWN.get, durations))
    if None in lengths and not _learn(durations, lengths):
        return None
    return RawReadings(
        starts=list(map(datetime.fromtimestamp, seconds, repeat(UTC))),
        durations=lengths,
        values=list(map(Decimal, values)),
        costs=[Decimal(cost) if cost else None for cost in costs] if any(costs) else [None] * count,
        qualities=[(int(code),) if code else () for code in qualities]
        if any(qualities)
        else [()] * count,
        any_cost=any(costs),
        any_quality=any(qualities),
    )


def _learn(texts: tuple[str, ...], lengths: list[timedelta | None]) -> bool:
    """Fill in the durations not known yet, as values.seconds reads them; False if one is
    implausible (the slow path then names it)."""
    for index, raw in enumerate(texts):
        if lengths[index] is not None:
            continue
        number = Decimal(raw)
        if number.adjusted() > 30 or not 0 < number <= _LONGEST:
            return False
        lengths[index] = length = timedelta(seconds=float(number))
        if len(_KNOWN) < _KNOWN_MAX:
            _KNOWN[raw] = length
    return True
