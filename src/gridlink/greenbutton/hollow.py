"""Plain IntervalReadings read straight from the bytes, so that lxml never builds them.

A year of hourly data is 8,760 readings of five elements each: building those elements was
most of a parse (``bench/greenbutton_parse.py``). So before lxml sees the file, each *run*
of plainly written IntervalReadings (consecutive siblings, each in the ESPI order with plain
parts only: an optional ``cost``, an optional ``ReadingQuality`` holding one ``quality``, a
``timePeriod`` holding ``duration`` and ``start``, a ``value``; ASCII digits; between the
tags only whitespace and plain comments; no attributes, CDATA, references, processing
instructions or other elements; one prefix or none) is found by one regex split of the
bytes, read column by column (:mod:`run_readings`), and replaced by a *marker*:
``<p:gridlink.run n="7"><p:d><p:d/></p:d></p:gridlink.run>`` with the run's own prefix,
then the run's line breaks. lxml parses that hollowed copy with the usual hardened parser
(:mod:`xmlsafe`); a block whose children include markers takes their readings
(:meth:`Runs.take`), the others are read as before.

Why the answer is the tree's: a run the grammar matches is well-formed element content
whatever namespace its prefix maps to, and the walk (:func:`intervals.read_block`) reads it
to exactly these values without an error (runs holding a value it could refuse are left in
place). The marker stands where the run stood, with the same prefix (declared exactly when
the run's is), as deep as the run's elements (so libxml2's depth limit refuses both or
neither) and as many line breaks (every later line number is the original's). What the
bytes alone cannot tell is the run's context (inside a comment, CDATA, an attribute value,
another element); the tree tells it: a run counts only when its marker is a child of a block
the reader reads, with no IntervalReading element beside it. Anything else (a marker left
unread or read twice, a block mixing markers and readings, any error at all) and
:func:`espi.parse_espi` reads the original bytes instead, so every error and every odd file
gets the tree's own answer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from itertools import compress, pairwise

from lxml import etree

from gridlink.greenbutton.intervals import RawReadings
from gridlink.greenbutton.run_readings import Columns
from gridlink.greenbutton.xmlsafe import LOCAL_NAMES, local_name

MARKER = "gridlink.run"
_MARKER_BYTES = MARKER.encode()
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
    captures (cost, quality, duration, start, value), ``gap`` is what may lie between tags.
    The digit counts are those the walk reads exactly as :class:`run_readings.Columns` does
    (see intervals.py): a start of up to 11 digits, a value or cost of up to 28 (exact as a
    Decimal), a quality code of up to 30; longer or other spellings stay in the file."""

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
    between the tags or (faster, for files that write none there) without."""
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
    columns = Columns(*(parts[k::_STRIDE] for k in range(2, _STRIDE)))
    lone_cr = b"\r" in data  # then each run is checked for a CR without its LF
    # A reading right after another (nothing between) continues its run.
    firsts = [0, *compress(range(1, count), between[1:count]), count]
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
