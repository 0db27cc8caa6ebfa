"""Plain IntervalReadings read straight from the bytes, so that lxml never builds them.

A year of hourly data is 8,760 readings of five elements each: building those elements is
most of a parse (``bench/greenbutton_parse.py``). So before lxml sees the file, each *run*
of plainly written IntervalReadings (consecutive siblings, every one in the ESPI order with
plain parts only: an optional ``cost``, an optional ``ReadingQuality`` holding one
``quality``, a ``timePeriod`` holding ``duration`` and ``start``, a ``value``; ASCII digits;
whitespace between the tags; no attributes, comments, CDATA, references or other elements;
one prefix or none) is read with a regex and replaced by one empty *marker* element,
``<p:gridlink.run n="7"/>`` with the run's own prefix, followed by the run's line breaks.
lxml parses that hollowed copy with the usual hardened parser; a block whose children
include markers takes their readings (:meth:`Runs.take`).

Why the answer is the tree's: a grammar-matched run is well-formed element content whatever
namespace its prefix maps to, and the walk (:func:`intervals.read_block`) reads it to exactly
these values without an error (values that could fail are left in place). The marker stands
where the run stood with the same prefix and as many line breaks, so the parser's state
after it, every later line number included, is what the original gives. What the bytes
alone cannot tell is the run's context (inside a comment, CDATA, an attribute value, some
other element); the tree tells it: a run counts only when its marker is a direct child of a
block the reader reads, and only with no other IntervalReading beside it. Anything else — a
marker left unread or read twice, a block mixing markers and elements, a block too deep,
any error at all — and :func:`espi.parse_espi` reads the original bytes instead, so every
error and every odd case is the tree's own answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from functools import lru_cache
from itertools import accumulate, groupby, islice, pairwise, repeat
from operator import add, ne, sub

from lxml import etree

from gridlink.greenbutton.intervals import RawReadings
from gridlink.greenbutton.values import LAST_SECOND
from gridlink.greenbutton.xmlsafe import LOCAL_NAMES, local_name

MARKER = "gridlink.run"
_MARKER_BYTES = MARKER.encode()
_LONGEST = 10 * 366 * 86400  # values.seconds: a plausible duration
# Encodings in which the ASCII bytes of a run mean what they say (the rest: the tree reads).
_ENCODINGS = frozenset({b"utf-8", b"utf8", b"us-ascii", b"ascii", b"iso-8859-1", b"latin1"})
_OPENING = re.compile(rb"(?:\xef\xbb\xbf)?[ \t\r\n]*<[?!A-Za-z_]")
_ENCODING = re.compile(rb"encoding\s*=\s*[\"']([^\"'>]*)")

# Between two tags: whitespace and comments, as real files write them (``<!-- start date:
# 1/1/2011 -->``). A comment holds printable ASCII with no "--" (what XML allows of it in
# ASCII), so libxml2 accepts it as it is. Bounded, so that the whitespace libxml2 joins into
# one text node (the parser drops the comments) stays far below its cap on a text node.
_SPACE = "[ \t\r\n]{0,512}+"  # possessive (as below): what follows never needs it back
_TEXT = "[\t\n\r\x20-\x2c\x2e-\x7e]"  # printable ASCII and whitespace, but "-"
_COMMENT = f"<!--{_TEXT}{{0,1024}}(?:-{_TEXT}{{1,1024}}){{0,16}}-->"
_GAP = f"{_SPACE}(?:{_COMMENT}{_SPACE}){{0,8}}+"


def _reading(p: str, group: str = "(", gap: str = _GAP) -> str:
    """One plain IntervalReading whose tags carry the prefix ``p``; ``group`` opens the
    captures (cost, quality, duration, start, value). Digit counts the walk reads exactly as
    :class:`_Columns` does (see intervals.py): a start of up to 11 digits, a value or cost of
    up to 28 (exact as a Decimal), a quality code of up to 30; longer or other spellings stay
    in the file for the walk to judge."""

    def leaf(name: str, digits: str) -> str:
        return f"<{p}{name}>{group}{digits})</{p}{name}>{gap}"

    quality = leaf("quality", "[0-9]{1,30}")
    return (
        f"<{p}IntervalReading>{gap}"
        f"(?:{leaf('cost', '-?[0-9]{1,28}')})?"
        f"(?:<{p}ReadingQuality>{gap}{quality}</{p}ReadingQuality>{gap})?"
        f"<{p}timePeriod>{gap}{leaf('duration', '[0-9]{1,11}')}{leaf('start', '[0-9]{1,11}')}"
        f"</{p}timePeriod>{gap}{leaf('value', '-?[0-9]{1,28}')}</{p}IntervalReading>"
    )


_PREFIX = re.compile(r"(?:[A-Za-z_][A-Za-z0-9_.-]{0,63}:)?\Z")
# What a split by the pattern gives per reading: the text before it, then its groups.
_STRIDE = 7


@lru_cache(maxsize=16)  # one per prefix seen; files use one or two
def _splitter(prefix: str, comments: bool) -> re.Pattern[bytes]:
    """One reading and the whitespace after it, captured whole and by part; with comments
    between the tags or (a tenth faster, for files that write none there) without."""
    gap = _GAP if comments else _SPACE
    return re.compile(f"({_reading(re.escape(prefix), gap=gap)}{gap})".encode())


@dataclass(slots=True)
class Runs:
    """The runs cut out of one file, by marker number, and which of them were read."""

    readings: list[RawReadings] = field(default_factory=list)
    taken: list[bool] = field(default_factory=list)

    def take(self, block: etree._Element) -> RawReadings | None:
        """The readings of ``block``'s markers, in order; None when it has none.

        Raises :class:`Declined` when the markers cannot stand for the block's readings.
        """
        markers = []
        left_in_place = False
        names = LOCAL_NAMES  # a handful of tags, looked up for every block
        for child in block:
            tag = child.tag
            name = names.get(tag) or local_name(tag)
            if name == MARKER:
                markers.append(child)
            elif name == "IntervalReading":  # what intervals.read_block reads
                left_in_place = True
        if not markers:
            return None
        if left_in_place:
            raise Declined("a block mixes cut runs and readings left in place")
        found: RawReadings | None = None
        for marker in markers:
            index = int(marker.get("n", "-1"))
            if not 0 <= index < len(self.taken) or self.taken[index]:
                raise Declined("a marker read twice")
            self.taken[index] = True
            run = self.readings[index]
            found = run if found is None else _joined(found, run)
        return found

    def all_taken(self) -> bool:
        return all(self.taken)


class Declined(Exception):
    """The hollowed file cannot be trusted to give the tree's answer: read the original."""


def hollow(data: bytes) -> tuple[bytes, Runs] | None:
    """``data`` with its plain runs replaced by markers, and the runs' readings; None when
    there is nothing to cut or the bytes cannot be cut safely (then the tree reads them)."""
    if _MARKER_BYTES in data or not _ascii_compatible(data):
        return None
    prefix = _first_prefix(data)
    if prefix is None:
        return None
    # One C call over the whole file finds every reading and its parts.
    parts = _splitter(prefix, _first_has_comments(data)).split(data)
    count = len(parts) // _STRIDE
    if not count:
        return None
    between = parts[0::_STRIDE]  # the text before each reading, and after the last
    whole = parts[1::_STRIDE]
    columns = _Columns(*(parts[k::_STRIDE] for k in range(2, _STRIDE)))
    lone_cr = b"\r" in data  # then each run is checked for a CR without its LF
    # A reading right after another (nothing between) continues its run.
    firsts = [0, *(i for i in range(1, count) if between[i]), count]
    # Three levels deep like the readings it stands for (IntervalReading, timePeriod,
    # duration), so that libxml2's depth limit refuses the hollowed file where it would
    # refuse the original.
    nested = f"<{prefix}d><{prefix}d/></{prefix}d></{prefix}{MARKER}>".encode()
    runs = Runs()
    kept = [between[0]]
    for first, end in pairwise(firsts):
        found = columns.readings(first, end)
        written = b"".join(whole[first:end])
        if found is None or (lone_cr and _lone_cr(written)):
            kept += (written, between[end])
            continue
        marker = f'<{prefix}{MARKER} n="{len(runs.readings)}">'.encode()
        kept += (marker, nested, b"\n" * written.count(b"\n"), between[end])
        runs.readings.append(found)
    if not runs.readings:
        return None
    runs.taken = [False] * len(runs.readings)
    return b"".join(kept), runs


def _first_prefix(data: bytes) -> str | None:
    """The prefix of the file's first IntervalReading tag ('' or 'espi:'); None when it has
    none or an odd one. Readings with another prefix (two for one namespace) stay in place."""
    name = data.find(b"IntervalReading>")
    if name < 0:
        return None
    opening = data.rfind(b"<", max(0, name - 65), name)
    prefix = data[opening + 1 : name].decode("latin-1") if opening >= 0 else "/"
    return prefix if _PREFIX.match(prefix) else None


def _first_has_comments(data: bytes) -> bool:
    """Whether the file's first reading has a comment inside (files write them all alike)."""
    first = data.find(b"IntervalReading>")
    return b"<!--" in data[first : data.find(b"IntervalReading>", first + 16)]


def _ascii_compatible(data: bytes) -> bool:
    """Whether libxml2 reads the file's ASCII bytes as ASCII: it opens with a tag (after an
    optional UTF-8 byte order mark), and an XML declaration names no other encoding."""
    opening = _OPENING.match(data)
    if opening is None:
        return False
    if not data.startswith(b"<?xml", opening.end() - 2):
        return True
    end = data.find(b"?>", 0, 4096)
    if end < 0:
        return False
    head = data[:end]
    if b"encoding" not in head:
        return True
    declared = _ENCODING.search(head)
    return declared is not None and declared.group(1).lower() in _ENCODINGS


def _lone_cr(written: bytes) -> bool:
    """Whether a run holds a CR that is not part of a CR LF pair. The marker stands with as
    many LFs as the run has, which libxml2 counts as the same lines when each CR comes with
    its LF; a lone CR is left in place rather than second-guessed."""
    return written.count(b"\r") != written.count(b"\r\n")


class _Columns:
    """The parts of every reading the split found, converted as the walk converts them."""

    def __init__(
        self,
        costs: list[bytes | None],
        qualities: list[bytes | None],
        durations: list[bytes],
        starts: list[bytes],
        values: list[bytes],
    ) -> None:
        self.seconds = list(map(int, starts))
        # Eleven digits stay below year 5138, which a datetime holds; later ones are refused.
        self.starts = instants(self.seconds)
        lengths = {text: _duration(text) for text in set(durations)}
        self.durations = list(map(lengths.__getitem__, durations))
        # Whether any run may need the walk's judgement (checked run by run only then).
        self.odd = max(self.seconds) >= LAST_SECOND or None in lengths.values()
        # Meters repeat their values: each text is read once (a Decimal does not change).
        numbers = {text: Decimal(text.decode()) for text in set(values)}
        self.values = list(map(numbers.__getitem__, values))
        self.any_cost = any(costs)
        self.costs: list[Decimal | None] | None = None
        if self.any_cost:
            self.costs = [None if c is None else Decimal(c.decode()) for c in costs]
        self.any_quality = any(qualities)
        self.qualities: list[tuple[int, ...]] | None = None
        if self.any_quality:
            self.qualities = [(int(q),) if q else () for q in qualities]

    def readings(self, first: int, end: int) -> RawReadings | None:
        """Readings ``first`` to ``end`` (excluded); None when one needs the walk's judgement
        (an implausible start or duration, which it reports with its line)."""
        durations: list[timedelta | None] = self.durations[first:end]
        if self.odd and (max(self.seconds[first:end]) >= LAST_SECOND or None in durations):
            return None
        count = end - first
        costs: list[Decimal | None] = [None] * count
        if self.costs is not None:
            costs = self.costs[first:end]
        qualities: list[tuple[int, ...]] = [()] * count
        if self.qualities is not None:
            qualities = self.qualities[first:end]
        return RawReadings(
            starts=self.starts[first:end],
            durations=durations,
            values=self.values[first:end],
            costs=costs,
            qualities=qualities,
            any_cost=self.any_cost and costs.count(None) < count,  # a cost of 0 counts
            any_quality=self.any_quality and any(qualities),
        )


def instants(seconds: list[int]) -> list[datetime]:
    """``datetime.fromtimestamp(s, UTC)`` for each of ``seconds``, the same objects, made
    five times faster when they step evenly (readings usually do): where the step between
    neighbours stays the same, each instant is the one before plus that step, added in C."""
    if len(seconds) < 2:
        return list(map(datetime.fromtimestamp, seconds, repeat(UTC)))
    steps = list(map(sub, seconds[1:], seconds[:-1]))
    if 4 * sum(map(ne, steps[1:], steps[:-1])) > len(steps):  # uneven: one call each
        return list(map(datetime.fromtimestamp, seconds, repeat(UTC)))
    found = [datetime.fromtimestamp(seconds[0], UTC)]
    for step, same in groupby(steps):
        taken = len(list(same))
        found += islice(
            accumulate(repeat(timedelta(seconds=step), taken), add, initial=found[-1]), 1, None
        )
    return found


def _duration(text: bytes) -> timedelta | None:
    """As values.seconds reads it; None when implausible."""
    number = Decimal(text.decode())
    return timedelta(seconds=float(number)) if 0 < number <= _LONGEST else None


def _joined(first: RawReadings, second: RawReadings) -> RawReadings:
    return RawReadings(
        starts=first.starts + second.starts,
        durations=first.durations + second.durations,
        values=first.values + second.values,
        costs=first.costs + second.costs,
        qualities=first.qualities + second.qualities,
        any_cost=first.any_cost or second.any_cost,
        any_quality=first.any_quality or second.any_quality,
        exact=first.exact and second.exact,
    )
