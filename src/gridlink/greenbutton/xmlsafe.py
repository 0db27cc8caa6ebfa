"""Reading untrusted XML with lxml, one Atom entry at a time.

Hardened against the classic attacks: no DTD is loaded, no entity is expanded, nothing is
fetched from the network, and a file that declares a DOCTYPE at all is refused (Green Button
files never need one). libxml2's own limits stay on (``huge_tree=False``: nesting depth, text
node size), and our :class:`Limits` cap the bytes and the number of entries.
"""

from __future__ import annotations

import io
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


def iter_entries(data: bytes, limits: Limits) -> Iterator[etree._Element]:
    """Each ``entry`` of a feed (or the bare ``entry`` root), then cleared to free memory.

    A file whose root is neither yields the root itself once, so that a lone ESPI resource
    (``<IntervalBlock>`` with no Atom around it) can still be read.
    """
    if len(data) > limits.max_bytes:
        raise GreenButtonError(
            f"the file is {len(data):,} bytes, over the limit of {limits.max_bytes:,}",
            where="file",
        )
    _refuse_doctype(data)
    context = etree.iterparse(
        io.BytesIO(data),
        events=("end",),
        tag="{*}entry",
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        dtd_validation=False,
        remove_comments=True,
        remove_pis=True,
        recover=False,
    )
    count = 0
    checked = False
    try:
        for _event, entry in context:
            if not checked:
                _check_docinfo(entry)
                checked = True
            count += 1
            if count > limits.max_entries:
                raise GreenButtonError(
                    f"more than {limits.max_entries:,} entries; split the file",
                    where="<entry>",
                    line=entry.sourceline,
                )
            yield entry
            entry.clear()
            parent = entry.getparent()
            if parent is not None:
                while entry.getprevious() is not None:
                    del parent[0]
        root = context.root
    except etree.XMLSyntaxError as error:
        line = error.position[0] if error.position else None
        message = error.msg or str(error)
        raise GreenButtonError(
            f"not well-formed XML: {message}", where="XML", line=line or None
        ) from None
    _check_docinfo(root)
    if count == 0 and root is not None:
        yield root
