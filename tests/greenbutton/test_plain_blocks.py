"""The plain-block fast path: taken for the shapes real files use, giving exactly what the
element walk gives, and declined (None) whenever a block is written any other way."""

from __future__ import annotations

import pytest
from lxml import etree

from gridlink.greenbutton.intervals import read_block
from gridlink.greenbutton.plain_blocks import read_plain
from gridlink.greenbutton.xmlsafe import hardened_parser
from tests.greenbutton.shared_files import files

ESPI = "http://naesb.org/espi"
PERIOD = "<timePeriod><duration>900</duration><start>1300000000</start></timePeriod>"
PLAIN = f"<IntervalReading>{PERIOD}<value>5</value></IntervalReading>"


def block(body: str, root: str = f'IntervalBlock xmlns="{ESPI}"') -> etree._Element:
    name = root.split()[0]
    return etree.fromstring(f"<{root}>{body}</{name}>".encode(), hardened_parser())


@pytest.mark.parametrize(
    "body",
    [
        PLAIN,
        f"<interval><duration>86400</duration><start>1</start></interval>{PLAIN}\n{PLAIN}",
        f"<IntervalReading><cost>12</cost>{PERIOD}<value>5</value></IntervalReading>",
        "<IntervalReading><cost>1</cost><ReadingQuality><quality>17</quality></ReadingQuality>"
        f"{PERIOD}<value>0</value></IntervalReading>{PLAIN}",
        f"<IntervalReading>\n <!-- a comment -->\n {PERIOD}<value>7</value></IntervalReading>",
    ],
)
def test_plain_blocks_are_read_as_the_walk_reads_them(body: str) -> None:
    element = block(body)
    found = read_plain(element)
    assert found is not None
    assert found == read_block(element)


def test_a_prefixed_block_is_plain_too() -> None:
    body = PLAIN.replace("<", "<e:").replace("<e:/", "</e:")
    element = block(body, root=f'e:IntervalBlock xmlns:e="{ESPI}"')
    assert read_plain(element) == read_block(element)


@pytest.mark.parametrize(
    "body",
    [
        "",  # no readings at all: the walk says so
        f"{PLAIN}<IntervalReading>{PERIOD}<value> 5</value></IntervalReading>",  # spaces
        f"<IntervalReading>{PERIOD}<value>-5</value></IntervalReading>",  # a sign
        f"<IntervalReading>{PERIOD}<value>5</value><value>6</value></IntervalReading>",  # twice
        f"<IntervalReading>{PERIOD}</IntervalReading>",  # no value
        f"<IntervalReading>{PERIOD}<value>5</value><note/></IntervalReading>",  # unknown part
        f'<IntervalReading>{PERIOD}<value a="1">5</value></IntervalReading>',  # an attribute
        "<IntervalReading><timePeriod><start>1300000000</start><duration>900</duration>"
        "</timePeriod><value>5</value></IntervalReading>",  # another order
        f"{PLAIN}<other>{PLAIN}</other>",  # a reading that is not the block's own child
        f"{PLAIN}<other>IntervalReading</other>",  # the name in a text
        f"{PLAIN}<IntervalReading/>",  # an empty reading
        "<IntervalReading><timePeriod><duration>900</duration><start>1300000000000</start>"
        "</timePeriod><value>5</value></IntervalReading>",  # milliseconds
        "<IntervalReading><timePeriod><duration>0</duration><start>1300000000</start>"
        "</timePeriod><value>5</value></IntervalReading>",  # an implausible duration
        f"<IntervalReading>{PERIOD}<value>{'9' * 29}</value></IntervalReading>",  # 29 digits
        f'{PLAIN}<IntervalReading xmlns="urn:other">{PERIOD}<value>5</value></IntervalReading>',
    ],
)
def test_anything_else_is_left_to_the_walk(body: str) -> None:
    assert read_plain(block(body)) is None


def test_every_block_of_the_shared_files_is_plain() -> None:
    shared = files()
    if not shared:
        pytest.skip("the shared Green Button files are not here")
    for path in shared:
        root = etree.fromstring(path.read_bytes(), hardened_parser())
        for element in root.iter("{*}IntervalBlock"):
            assert read_plain(element) == read_block(element), path.name
            assert read_plain(element) is not None, path.name
