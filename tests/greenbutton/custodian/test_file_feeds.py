"""Stored ESPI files served through the custodian read back exactly as the files do."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path

from gridlink.greenbutton import ParsedFile, parse
from gridlink.greenbutton.custodian import FileFeeds
from gridlink.greenbutton.custodian.feeds import read_file_entries
from gridlink.greenbutton.custodian.testing import serve_custodian
from tests.greenbutton.custodian.conftest import ThirdParty, connected, registration
from tests.greenbutton.shared_files import GREEN_BUTTON, need

ZONE = "America/Los_Angeles"
FIVE_POINTS = GREEN_BUTTON / "openespi_multi_usagepoint_5up_hourly_32days.xml"
OPOWER = GREEN_BUTTON / "opower_pge_electric_15min_1day.xml"  # its IntervalBlock has no published


def _summary(parsed: ParsedFile) -> tuple[int, Decimal, int]:
    total = sum((r.value for m in parsed.meters for r in m.readings), Decimal(0))
    return parsed.reading_count, total, len(parsed.meters)


async def test_a_file_is_served_whole_and_windowed(third_party: ThirdParty) -> None:
    original = parse(need(FIVE_POINTS), time_zone=ZONE)
    opower = parse(need(OPOWER), time_zone=ZONE)
    feeds = FileFeeds({"five": FIVE_POINTS, "opower": Path(OPOWER)})
    with serve_custodian(registrations=[registration(third_party)], feeds=feeds) as served:
        async with connected(served, third_party, customer="five") as conn:
            full = await conn.oauth.get(str(conn.token["resourceURI"]))
            before = await conn.oauth.get(
                str(conn.token["resourceURI"]), params={"published-max": "2012-08-06T08:55:49Z"}
            )
        async with connected(served, third_party, customer="opower") as conn:
            resource = str(conn.token["resourceURI"])
            # The block's data ends 2012-03-31T07:00Z (start 1299387600 + 34383600 s).
            early = await conn.oauth.get(resource, params={"published-max": "2012-03-31T07:00:00Z"})
            late = await conn.oauth.get(resource, params={"published-min": "2012-03-31T07:00:00Z"})
    assert _summary(parse(full.content, time_zone=ZONE)) == _summary(original)
    assert original.reading_count > 0
    assert parse(before.content, time_zone=ZONE).reading_count == 0  # all published at 08:55:49
    assert parse(early.content, time_zone=ZONE).reading_count == 0
    assert _summary(parse(late.content, time_zone=ZONE)) == _summary(opower)


def test_every_entry_of_a_file_is_kept() -> None:
    need(FIVE_POINTS)
    entries = read_file_entries(FIVE_POINTS)
    assert len(entries) == FIVE_POINTS.read_bytes().count(b"<entry>")
