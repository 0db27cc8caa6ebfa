"""Readings cut out of the bytes (greenbutton/hollow.py) give exactly what the tree gives.

Each feed is read twice, with the cut and with ``hollowing=False`` (every reading from the
tree), and the outcomes compared whole: every reading's repr, every warning, or the error
with its line. For the shapes the cut takes, the test also checks that it did take them (the
hollowed read answered), so that agreement is not the fallback agreeing with itself.
"""

from __future__ import annotations

import hashlib
import os
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from gridlink.greenbutton import Limits
from gridlink.greenbutton.espi import parse_espi, read_hollowed

ATOM = "http://www.w3.org/2005/Atom"
ESPI = "http://naesb.org/espi"
T0 = 1_300_000_000
EXAMPLES = max(10, int(os.environ.get("GRIDLINK_FUZZ_EXAMPLES", "200")) // 2)


def reading(n: int, value: str = "5", *, cost: str = "", quality: str = "", p: str = "") -> str:
    parts = f"<{p}cost>{cost}</{p}cost>" if cost else ""
    if quality:
        parts += f"<{p}ReadingQuality><{p}quality>{quality}</{p}quality></{p}ReadingQuality>"
    return (
        f"<{p}IntervalReading>{parts}<{p}timePeriod><{p}duration>900</{p}duration>"
        f"<{p}start>{T0 + 900 * n}</{p}start></{p}timePeriod><{p}value>{value}</{p}value>"
        f"</{p}IntervalReading>"
    )


def block(body: str, n: int = 1, open_tag: str = f'<IntervalBlock xmlns="{ESPI}">') -> str:
    name = open_tag[1:].split()[0].rstrip(">")
    return (
        f'<entry><link rel="self" href="/UsagePoint/1/MeterReading/1/IntervalBlock/{n}"/>'
        f"<content>{open_tag}\n{body}\n</{name}></content></entry>\n"
    )


def feed(*blocks: str, head: str = "") -> bytes:
    return (
        f'{head}<feed xmlns="{ATOM}">\n'
        '<entry><link rel="self" href="/UsagePoint/1"/><content>'
        f'<UsagePoint xmlns="{ESPI}"><ServiceCategory><kind>0</kind></ServiceCategory>'
        "</UsagePoint></content></entry>\n"
        '<entry><link rel="self" href="/UsagePoint/1/MeterReading/1"/>'
        f'<content><MeterReading xmlns="{ESPI}"/></content></entry>\n'
        f'<entry><link rel="self" href="/ReadingType/1"/><content><ReadingType xmlns="{ESPI}">'
        "<uom>72</uom></ReadingType></content></entry>\n" + "".join(blocks) + "</feed>"
    ).encode()


def outcome(data: bytes, *, hollowing: bool) -> str:
    try:
        said = "ok " + repr(parse_espi(data, time_zone="UTC", limits=Limits(), hollowing=hollowing))
    except Exception as error:  # the reader's error, with where and line
        said = f"{type(error).__name__} {error}"
    return hashlib.sha256(said.encode("utf-8", "surrogatepass")).hexdigest()


def same_either_way(data: bytes) -> None:
    assert outcome(data, hollowing=True) == outcome(data, hollowing=False)


def cut_and_kept(data: bytes) -> bool:
    """Whether the hollowed read answered (rather than declining to the original)."""
    return read_hollowed(data, Limits())[0] is not None


PLAIN = reading(0) + "\n  " + reading(1, "7")
TAKEN = {
    "plain": feed(block(PLAIN)),
    "costs and qualities": feed(
        block(reading(0, cost="0", quality="17") + reading(1, "-3", cost="-12") + reading(2))
    ),
    "comments between tags": feed(
        block(
            reading(0).replace("<timePeriod>", "<!-- row 1 -->\n<timePeriod><!---->")
            + "<!-- between - readings -->"
            + reading(1)
        )
    ),
    "a prefix": feed(
        block(
            reading(0, p="e:") + reading(1, p="e:"),
            open_tag=f'<e:IntervalBlock xmlns:e="{ESPI}">',
        )
    ),
    "tabs, CR LF and long indents": feed(
        block(PLAIN.replace("<", "\r\n\t\t<").replace("\r\n\t\t</", " \t</")),
        block(reading(5, "9") + " " * 400, n=2),
    ),
    "a block split by other elements": feed(
        block(reading(0) + "<foo/>" + reading(1) + "<interval><start>1</start></interval>")
    ),
    "many blocks over many parser pieces": feed(
        *(block("\n".join(reading(12 * n + k, str(k)) for k in range(12)), n) for n in range(600))
    ),
    "a byte order mark and a declaration": feed(
        block(PLAIN), head='\ufeff<?xml version="1.0" encoding="utf-8"?>\n'
    ),
}


@pytest.mark.parametrize("data", TAKEN.values(), ids=TAKEN.keys())
def test_the_cut_reads_what_the_tree_reads(data: bytes) -> None:
    assert cut_and_kept(data)
    same_either_way(data)


def test_the_readings_are_there() -> None:
    parsed = parse_espi(TAKEN["costs and qualities"], time_zone="UTC", limits=Limits())
    readings = parsed.meters[0].readings
    assert [(r.value, r.cost, r.quality) for r in readings] == [
        (5, 0, "actual"),
        (-3, Decimal("-0.00012"), None),
        (5, None, None),
    ]


V = "<value>5</value>"
# Shapes the cut must leave to the tree, or read and then give up (a marker where the tree
# would see something else): either way the outcome is the tree's.
LEFT = {
    "a comment inside a value": feed(block(PLAIN.replace(V, "<value>4<!-- x -->5</value>"))),
    "a comment in a later reading only": feed(
        block(reading(0) + reading(1).replace("<value>", "<!-- c --><value>"))
    ),
    "a comment with a double hyphen": feed(block(PLAIN.replace("<timePeriod>", "<!-- a--b -->"))),
    "a comment ending in a hyphen": feed(block(reading(0).replace("<value>", "<!-- a---><value>"))),
    "a non-ASCII comment": feed(block(reading(0).replace("<value>", "<!-- é --><value>"))),
    "a CDATA value": feed(block(PLAIN.replace(V, "<value><![CDATA[5]]></value>"))),
    "a character reference": feed(block(PLAIN.replace(V, "<value>&#53;</value>"))),
    "an entity in a gap": feed(block(PLAIN.replace("<timePeriod>", "&amp;<timePeriod>"))),
    "an undefined entity": feed(block(PLAIN.replace("<timePeriod>", "&oops;<timePeriod>"))),
    "a processing instruction": feed(block(PLAIN.replace("<timePeriod>", "<?pi x?><timePeriod>"))),
    "an attribute": feed(block(PLAIN.replace("<IntervalReading>", '<IntervalReading a="1">', 1))),
    "a namespace on a reading": feed(
        block(PLAIN.replace("<IntervalReading>", '<IntervalReading xmlns="urn:x">', 1))
    ),
    "an undeclared prefix": feed(block(reading(0, p="x:") + reading(1, p="x:"))),
    "two prefixes in a block": feed(
        block(
            reading(0, p="e:") + reading(1, p="f:"),
            open_tag=f'<e:IntervalBlock xmlns:e="{ESPI}" xmlns:f="{ESPI}">',
        )
    ),
    "a reserved prefix": feed(block(reading(0, p="xml:"))),
    "a space inside a tag": feed(block(PLAIN.replace(V, "<value >5</value >"))),
    "a space inside a value": feed(block(PLAIN.replace(V, "<value> 5</value>"))),
    "a reading left in place beside a run": feed(block(reading(0) + reading(1, " 6") + reading(2))),
    "a run inside a comment": feed(block(f"<!-- {PLAIN} -->" + reading(3))),
    "a run inside CDATA": feed(block(f"<![CDATA[{PLAIN}]]>" + reading(3))),
    "a run inside an attribute": feed(block(f'<x a="{PLAIN}"/>')),
    # The usage point's id names the meter: the run is text there, which the marker is not.
    "a run in an id, as CDATA": feed(block(reading(0))).replace(
        b'<entry><link rel="self" href="/UsagePoint/1"/>',
        f'<entry><id><![CDATA[{PLAIN}]]></id><link rel="self" href="/UsagePoint/1"/>'.encode(),
    ),
    "a run in an unread element": feed(block(f"<foo>{PLAIN}</foo>" + reading(3))),
    "a run in a summary": feed(
        block(reading(0)),
        f'<entry><content><UsageSummary xmlns="{ESPI}">{PLAIN}</UsageSummary></content></entry>',
    ),
    "a run right under the feed": feed(block(reading(0)), PLAIN),
    "a run after the root": feed(block(reading(0))) + PLAIN.encode(),
    # Its readings pass libxml2's depth limit (256) where the marker would not.
    "a block at the parser's depth limit": feed("<a>" * 250 + block(PLAIN) + "</a>" * 250),
    "a block deeper than the cut reads": feed("<a>" * 200 + block(PLAIN) + "</a>" * 200),
    "a lone CR": feed(block(PLAIN.replace("<value>", "\r<value>"))),
    "a start past 2200": feed(block(PLAIN.replace(str(T0), "7258118400"))),
    "a duration of 0": feed(block(PLAIN.replace(">900<", ">0<"))),
    "milliseconds": feed(block(PLAIN.replace(str(T0), str(T0 * 1000)))),
    "29 digits": feed(block(PLAIN.replace(V, f"<value>{'9' * 29}</value>"))),
    "a huge gap": feed(block(reading(0).replace("<value>", " " * 600 + "<value>"))),
    "a Latin-1 file": feed(block(PLAIN), head='<?xml version="1.0" encoding="ISO-8859-1"?>'),
    "a UTF-16 declaration": feed(block(PLAIN), head='<?xml version="1.0" encoding="UTF-16"?>'),
    "an EBCDIC declaration": feed(block(PLAIN), head='<?xml version="1.0" encoding="EBCDIC-US"?>'),
    "UTF-16 bytes": feed(block(PLAIN)).decode().encode("utf-16"),
    "the marker's name in the file": feed(block(PLAIN), head="<!-- gridlink.run -->"),
    "a marker's name as an element": feed(block(PLAIN + '<gridlink.run n="0"/>')),
    "a DOCTYPE": feed(block(PLAIN), head="<!DOCTYPE feed>"),
    "broken XML after a run, same line": feed(block(PLAIN + "</oops>")),
    "broken XML far after runs": feed(*(block(PLAIN, n) for n in range(900)), block("<x>")),
    "a bad value after runs": feed(*(block(PLAIN, n) for n in range(900)), block(reading(0, "x"))),
    "a block with no ReadingQuality quality": feed(
        block(PLAIN.replace("<timePeriod>", "<ReadingQuality></ReadingQuality><timePeriod>"))
    ),
}


@pytest.mark.parametrize("data", LEFT.values(), ids=LEFT.keys())
def test_anything_else_gives_the_trees_answer(data: bytes) -> None:
    same_either_way(data)


def test_a_block_not_too_deep_is_cut() -> None:
    data = feed("<a>" * 120 + block(PLAIN) + "</a>" * 120)
    assert cut_and_kept(data)
    same_either_way(data)


# Random blocks: readings written with every spelling the cut must judge, mixed with
# snippets that make a reading (or the file) something else.
GAPS = ["", " ", "\n", "\r\n", "\t", "\r", " " * 600, "<!-- c -->", "<!---->", "<!-- a--b -->"]
GAPS += ["<!-- é -->", "&#32;", "<![CDATA[ ]]>", "<?pi x?>", "<foo/>", "&amp;", "<", "]]>"]
NUMBERS = ["5", "-3", "0", "007", " 5", "1e3", "9" * 29, "9" * 28, "x", "", "&#53;"]
STARTS = [str(T0), str(T0 + 900), "7258118399", "7258118400", str(T0 * 1000), "-1", " 1"]
DURATIONS = ["900", "3600", "0", "316224001", "1.5", "90000000000"]
PREFIXES = ["", "e:", "x:"]


@st.composite
def written_reading(draw: st.DrawFn) -> str:
    p = draw(st.sampled_from(PREFIXES))

    def gap() -> str:
        return draw(st.sampled_from(GAPS)) if draw(st.integers(0, 5)) == 0 else ""

    def leaf(name: str, text: str) -> str:
        return f"<{p}{name}>{text}</{p}{name}>{gap()}"

    parts = [f"<{p}IntervalReading>{gap()}"]
    if draw(st.booleans()):
        parts.append(leaf("cost", draw(st.sampled_from(NUMBERS))))
    if draw(st.booleans()):
        quality = leaf("quality", draw(st.sampled_from(NUMBERS)))
        parts.append(f"<{p}ReadingQuality>{gap()}{quality}</{p}ReadingQuality>{gap()}")
    period = leaf("duration", draw(st.sampled_from(DURATIONS)))
    period += leaf("start", draw(st.sampled_from(STARTS)))
    parts.append(f"<{p}timePeriod>{gap()}{period}</{p}timePeriod>{gap()}")
    parts.append(leaf("value", draw(st.sampled_from(NUMBERS))))
    parts.append(f"</{p}IntervalReading>{gap()}")
    return "".join(parts)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.lists(written_reading(), min_size=1, max_size=6), min_size=1, max_size=4))
def test_random_blocks_read_alike(blocks: list[list[str]]) -> None:
    open_tag = f'<e:IntervalBlock xmlns:e="{ESPI}" xmlns="{ESPI}">'
    data = feed(*(block("".join(body), n, open_tag) for n, body in enumerate(blocks)))
    same_either_way(data)


@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(st.integers(0, 2), min_size=1, max_size=12), st.sampled_from(GAPS))
def test_random_plain_blocks_are_cut(values: list[int], between: str) -> None:
    body = between.join(reading(n, str(value)) for n, value in enumerate(values))
    data = feed(block(body))
    if between.strip(" \t\n") in ("", "<!-- c -->", "<!---->", "<foo/>"):
        assert cut_and_kept(data)
    same_either_way(data)


@pytest.mark.parametrize("newline", ["\n", "\r\n"])
def test_lines_after_cut_runs_are_the_files_lines(newline: str) -> None:
    # With no ReadingType every block is warned about with its line: the lines of blocks
    # after cut runs, and of the one left in place at the end, must be the file's own.
    body = "\n".join(reading(n, str(n)) for n in range(5)).replace("><", ">\n <")
    blocks = [block(body, n) for n in range(3)] + [block(reading(9, " 1"), 3)]
    data = feed(*blocks).replace(b"<uom>72</uom></ReadingType>", b"</ReadingType>")
    data = data.replace(b"ReadingType", b"Other").replace(b"\n", newline.encode())
    assert cut_and_kept(data)
    parsed = parse_espi(data, time_zone="UTC", limits=Limits())
    said = [w for w in parsed.warnings if "has no ReadingType" in w]
    text = data.decode()
    expected = [
        text.count("\n", 0, at) + 1
        for at in (text.find("<IntervalBlock", text.find(f"IntervalBlock/{n}")) for n in range(4))
    ]
    assert said == [
        f"<IntervalBlock> at line {line} has no ReadingType; values read as Wh with no multiplier"
        for line in expected
    ]
    same_either_way(data)
