"""XML attacks, zip bombs and broken input: refused with GreenButtonError, nothing else."""

from __future__ import annotations

import io
import zipfile

import pytest

from gridlink.greenbutton import GreenButtonError, Limits, parse

FEED = b'<feed xmlns="http://www.w3.org/2005/Atom">%s</feed>'
BLOCK = (
    b'<entry><content><IntervalBlock xmlns="http://naesb.org/espi">'
    b"<IntervalReading><timePeriod><duration>3600</duration><start>1300000000</start>"
    b"</timePeriod><value>%s</value></IntervalReading></IntervalBlock></content></entry>"
)

LAUGHS = b"""<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&lol3;</title></feed>"""
FILE_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE feed [<!ENTITY x SYSTEM "file:///etc/passwd">]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&x;</title></feed>"""
HTTP_ENTITY = b"""<?xml version="1.0"?>
<!DOCTYPE feed [<!ENTITY x SYSTEM "http://127.0.0.1:9/x">]>
<feed xmlns="http://www.w3.org/2005/Atom"><title>&x;</title></feed>"""
EXTERNAL_DTD = b"""<?xml version="1.0"?>
<!DOCTYPE feed SYSTEM "http://127.0.0.1:9/espi.dtd">
<feed xmlns="http://www.w3.org/2005/Atom"/>"""


@pytest.mark.parametrize("data", [LAUGHS, FILE_ENTITY, HTTP_ENTITY, EXTERNAL_DTD])
def test_doctype_and_entities_are_refused(data: bytes) -> None:
    with pytest.raises(GreenButtonError, match="DOCTYPE") as caught:
        parse(data)
    assert "line 2" in str(caught.value)
    assert "root:" not in str(caught.value)  # nothing of /etc/passwd


def test_doctype_in_utf16_is_refused_too() -> None:
    # The byte scan cannot see it; the parsed document's own DOCTYPE record can.
    with pytest.raises(GreenButtonError, match="DOCTYPE"):
        parse(FILE_ENTITY.replace(b'<?xml version="1.0"?>', b"").decode().encode("utf-16"))


def test_deep_nesting_is_refused() -> None:
    deep = b"<a>" * 5000 + b"</a>" * 5000
    with pytest.raises(GreenButtonError, match="not well-formed"):
        parse(FEED % (b"<entry><content>" + deep + b"</content></entry>"))


def test_oversized_file_is_refused() -> None:
    data = FEED % (BLOCK % b"1") * 1
    with pytest.raises(GreenButtonError, match="over the limit"):
        parse(data, limits=Limits(max_bytes=len(data) - 1))


def test_too_many_readings_are_refused() -> None:
    data = FEED % ((BLOCK % b"1") * 3)
    with pytest.raises(GreenButtonError, match="more than 2 interval readings"):
        parse(data, limits=Limits(max_readings=2))


def test_errors_name_the_element_and_line() -> None:
    with pytest.raises(GreenButtonError, match=r"<value> \(line 1\): 'abc' is not a number"):
        parse(FEED % (BLOCK % b"abc"))


def test_broken_xml_names_the_line() -> None:
    with pytest.raises(GreenButtonError, match=r"XML \(line 2\): not well-formed"):
        parse(b'<feed xmlns="http://www.w3.org/2005/Atom">\n<entry></feed>')


def _zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, content in members.items():
            archive.writestr(name, content)
    return buffer.getvalue()


def test_zip_of_xml_and_csv_is_read() -> None:
    csv_text = (
        b"TYPE,DATE,START TIME,END TIME,USAGE,UNITS,COST\n"
        b"Electric usage,2024-01-01,00:00,00:59,1.5,kWh,$0.30\n"
    )
    parsed = parse(_zip({"a.xml": FEED % (BLOCK % b"7"), "b.csv": csv_text, "__MACOSX/x": b""}))
    assert sorted(r.value for m in parsed.meters for r in m.readings) == [1.5, 7]


def test_zip_bomb_is_refused() -> None:
    bomb = _zip({"big.csv": b"0" * 5_000_000})
    with pytest.raises(GreenButtonError, match="compressed suspiciously well"):
        parse(bomb)
    with pytest.raises(GreenButtonError, match="uncompressed"):
        parse(bomb, limits=Limits(max_unzipped=1000, max_ratio=10**9))


@pytest.mark.parametrize("name", ["../evil.xml", "/etc/evil.xml", "C:\\evil.xml", "a/../../b"])
def test_zip_path_traversal_is_refused(name: str) -> None:
    with pytest.raises(GreenButtonError, match="outside"):
        parse(_zip({name: FEED % (BLOCK % b"1")}))


def test_zip_with_too_many_members_is_refused() -> None:
    with pytest.raises(GreenButtonError, match="over the limit of 2"):
        parse(_zip({f"{n}.xml": b"<x/>" for n in range(3)}), limits=Limits(max_members=2))


def test_nested_zip_is_refused() -> None:
    with pytest.raises(GreenButtonError, match="zip inside a zip"):
        parse(_zip({"inner.zip": _zip({"a.xml": b"<x/>"})}))


def test_a_link_no_url_parser_accepts_is_compared_as_written() -> None:
    # urlsplit raises ValueError on a bad IPv6 host; it used to escape as a crash.
    link = b'<link rel="self" href="http://[x/UsagePoint/1"/>'
    parsed = parse(FEED % (BLOCK % b"3").replace(b"<entry>", b"<entry>" + link))
    assert [r.value for m in parsed.meters for r in m.readings] == [3]
