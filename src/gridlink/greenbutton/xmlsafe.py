"""Reading untrusted XML with lxml, one Atom entry at a time.

Hardened against the classic attacks: no DTD is loaded, no entity is expanded, nothing is
fetched from the network, and a file that declares a DOCTYPE at all is refused (Green Button
files never need one). libxml2's own limits stay on (``huge_tree=False``: nesting depth, text
node size), and our :class:`Limits` cap the bytes and the number of entries.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from lxml import etree

from gridlink.greenbutton.errors import GreenButtonError
from gridlink.greenbutton.limits import Limits

# A DOCTYPE must come before the root element; in any ASCII-compatible encoding this finds it
# before parsing starts. UTF-16 files are caught after the first event by the docinfo check.
_DOCTYPE = re.compile(rb"<!DOCTYPE", re.IGNORECASE)


def local(tag: object) -> str:
    """The element's name without its namespace ('' for comments and the like)."""
    return tag.rpartition("}")[2] if isinstance(tag, str) else ""


# Local names already worked out, for loops over many elements of the same few tags (looked
# up inline, filled by local_name); capped, as the tags come from the uploads.
LOCAL_NAMES: dict[object, str] = {}


def local_name(tag: object) -> str:
    """:func:`local`, remembered in :data:`LOCAL_NAMES`."""
    name = local(tag)
    if len(LOCAL_NAMES) < 4096:
        LOCAL_NAMES[tag] = name
    return name


def _refuse_doctype(data: bytes) -> None:
    found = _DOCTYPE.search(data, 0, 65536)
    if found:
        line = data.count(b"\n", 0, found.start()) + 1
        raise GreenButtonError(
            "the file declares a DOCTYPE, which Green Button files never need; "
            "refused so that no entity or external file can be loaded",
            where="<!DOCTYPE>",
            line=line,
        )


def _check_docinfo(root: etree._Element | None) -> None:
    if root is None:
        return
    info = root.getroottree().docinfo
    if getattr(info, "doctype", "") or info.internalDTD is not None:
        raise GreenButtonError(
            "the file declares a DOCTYPE, which Green Button files never need; refused",
            where="<!DOCTYPE>",
        )


# libxml2 reads the bytes in pieces of this size; between pieces the finished entries are
# handed out and freed, so memory stays near a piece and one entry, whatever the file's size.
_PIECE = 64 * 1024
_OPTIONS = {
    "resolve_entities": False,
    "load_dtd": False,
    "no_network": True,
    "huge_tree": False,
    "dtd_validation": False,
    "remove_comments": True,
    "remove_pis": True,
    "recover": False,
}


def hardened_parser() -> etree.XMLParser:
    """A whole-document parser with the same hardening (the benchmark's baseline)."""
    return etree.XMLParser(**_OPTIONS)  # type: ignore[arg-type]


def iter_entries(data: bytes, limits: Limits) -> Iterator[etree._Element]:
    """Each Atom ``entry`` of a feed, in file order, freed once the caller has read it.

    Entries are the feed's children (or lie inside one of its other children); an entry
    inside an entry is part of the outer one. A root that is not a feed is read whole: its
    entries are handed out the same way, and when it has none the root itself is yielded
    once, so that a lone ESPI resource (``<IntervalBlock>`` with no Atom around it) can still
    be read.

    libxml2 builds the tree as plainly as a whole-document parse: the parser is only asked
    to report the root's start (reporting every entry's end costs a third more), and a
    child of the root is finished once the next one has begun.
    """
    if len(data) > limits.max_bytes:
        raise GreenButtonError(
            f"the file is {len(data):,} bytes, over the limit of {limits.max_bytes:,}",
            where="file",
        )
    _refuse_doctype(data)
    parser = etree.XMLPullParser(events=("start",), tag="{*}feed", **_OPTIONS)  # type: ignore[arg-type]
    counter = _Counter(limits)
    feed: etree._Element | None = None
    for offset in range(0, len(data), _PIECE):
        failure = None
        try:
            parser.feed(data[offset : offset + _PIECE])
        except etree.XMLSyntaxError as error:
            failure = error  # what was finished before the error is still read first
        if feed is None:
            feed = _root_feed(parser)
        if feed is not None:
            yield from _finished(feed, counter, streaming=True)
        if failure is not None:
            raise _not_well_formed(failure)
    try:
        root = parser.close()
    except etree.XMLSyntaxError as error:
        raise _not_well_formed(error) from None
    _check_docinfo(root)
    yield from _finished(root, counter, streaming=False)
    if counter.count == 0:
        yield root


def _not_well_formed(error: etree.XMLSyntaxError) -> GreenButtonError:
    line = error.position[0] if error.position else None
    message = error.msg or str(error)
    return GreenButtonError(f"not well-formed XML: {message}", where="XML", line=line or None)


class _Counter:
    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        self.count = 0

    def add(self, entry: etree._Element) -> None:
        self.count += 1
        if self.count > self.limits.max_entries:
            line = entry.sourceline
            raise GreenButtonError(
                f"more than {self.limits.max_entries:,} entries; split the file",
                where="<entry>",
                line=line if isinstance(line, int) else None,
            )


def _root_feed(parser: etree.XMLPullParser) -> etree._Element | None:
    """The root element, once it has started, when it is a feed (a ``feed`` deeper down is
    not one)."""
    for _event, element in parser.read_events():
        if isinstance(element, etree._Element) and element.getparent() is None:
            _check_docinfo(element)
            return element
    return None


def _finished(
    root: etree._Element, counter: _Counter, *, streaming: bool
) -> Iterator[etree._Element]:
    """The entries among the root's finished children, each yielded once. While ``streaming``
    (a feed still being parsed) the last child may be unfinished and is left for later, and
    the children handed out are removed from the tree."""
    if local(root.tag) == "entry":
        counter.add(root)
        yield root
        return
    done = len(root) - 1 if streaming else len(root)
    if done <= 0:
        return
    names = LOCAL_NAMES
    for child in root[:done]:  # type: ignore[index]
        tag = child.tag
        if (names.get(tag) or local_name(tag)) == "entry":
            counter.add(child)
            yield child
        else:  # an id, a link, or something odd holding entries
            for entry in child.iter("{*}entry"):
                counter.add(entry)
                yield entry
    if streaming:
        del root[:done]
