"""The XML is read one entry at a time and what was read is freed: inline feeds written for
the test, large enough to span many of the parser's pieces."""

from __future__ import annotations

import pytest

from gridlink.greenbutton import GreenButtonError, Limits, parse
from gridlink.greenbutton.xmlsafe import iter_entries

ATOM = "http://www.w3.org/2005/Atom"
ESPI = "http://naesb.org/espi"
T0 = 1_300_000_000


def block(index: int, value: str = "1") -> str:
    return (
        f'<entry><link rel="self" href="/UP/1/MR/1/IntervalBlock/{index}"/><content>'
        f'<IntervalBlock xmlns="{ESPI}"><IntervalReading><timePeriod><duration>3600</duration>'
        f"<start>{T0 + 3600 * index}</start></timePeriod><value>{value}</value>"
        f"</IntervalReading></IntervalBlock></content></entry>\n"
    )


def feed(body: str) -> bytes:
    return f'<feed xmlns="{ATOM}"><id>x</id>\n{body}</feed>'.encode()


def test_a_large_feed_is_read_whole() -> None:
    data = feed("".join(block(n, str(n)) for n in range(3000)))
    assert len(data) > 10 * 64 * 1024
    parsed = parse(data)
    assert [r.value for r in parsed.meters[0].readings] == list(range(3000))


def test_entries_read_are_freed_as_the_parse_goes() -> None:
    data = feed("".join(block(n) for n in range(3000)))
    held = []
    for entry in iter_entries(data, Limits()):
        parent = entry.getparent()
        assert parent is not None
        held.append(len(parent))
    assert len(held) == 3000
    # About one parser piece of entries is held at a time (all 3000 if nothing were freed).
    assert max(held) < 1000


def test_entries_held_by_another_child_are_read() -> None:
    data = feed(f"<wrapper>{block(1, '5')}</wrapper>{block(2, '6')}")
    assert [r.value for r in parse(data).meters[0].readings] == [5, 6]


def test_a_lone_entry_is_read() -> None:
    data = block(1, "8").replace("<entry>", f'<entry xmlns="{ATOM}">').encode()
    assert [r.value for r in parse(data).meters[0].readings] == [8]


def test_too_many_entries_are_refused_while_streaming() -> None:
    data = feed("".join(block(n) for n in range(3000)))
    with pytest.raises(GreenButtonError, match=r"<entry> \(line 1001\): more than 999 entries"):
        parse(data, limits=Limits(max_entries=999))


def test_a_bad_value_before_broken_xml_is_reported_first() -> None:
    data = feed(block(1, "oops") + "<entry>").replace(b"</feed>", b"</fed>")
    with pytest.raises(GreenButtonError, match=r"<value> \(line 2\): 'oops' is not a number"):
        parse(data)


def test_broken_xml_after_many_entries_names_its_line() -> None:
    data = feed("".join(block(n) for n in range(2000)) + "<entry><oops></entry>")
    with pytest.raises(GreenButtonError, match=r"XML \(line 2002\): not well-formed"):
        parse(data)
