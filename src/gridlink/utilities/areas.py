"""Suggestions for a zip whose listed utilities serve no household (ADR 0007, "Area").

EIA lists the City & County of San Francisco, without a residential rate, as the only utility
of most San Francisco zips, whose households are PG&E's; PG&E is listed, with one, in two other
zips of the same 3-digit ZIP area. So where no utility listed for a zip has a residential rate,
the utilities that do serve households in the other zips of its 3-digit area (same state) are
suggested too: at most three, those listed in the most of the area's zips first, each with its
best rank there and ``matched_by: "area"``. Only the rows of one import are looked at.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from gridlink.utilities.eia import serves_households

AREA_SUGGESTIONS = 3


@dataclass(frozen=True)
class ZipRow:
    """A catalog utility serving a zip, as ``utility_zip_codes`` stores it."""

    zip: str
    utility_id: str
    state: str
    service_type: str
    ownership: str
    rank: int
    edition: int
    matched_by: str = "zip"


def area_rows(rows: Iterable[ZipRow]) -> list[ZipRow]:
    """The suggestions to add for the zips among ``rows`` that no household utility lists."""
    newest: dict[str, list[ZipRow]] = defaultdict(list)  # a zip's rows of its newest edition
    for row in rows:
        held = newest[row.zip]
        if held and held[0].edition > row.edition:
            continue
        if held and held[0].edition < row.edition:
            held.clear()
        held.append(row)
    listed: dict[tuple[str, str], Counter[str]] = defaultdict(Counter)  # area → utility → zips
    best: dict[tuple[str, str, str], ZipRow] = {}  # (area, utility) → its best row there
    for zip_rows in newest.values():
        for row in zip_rows:
            if serves_households(row.rank):
                area = (row.zip[:3], row.state)
                listed[area][row.utility_id] += 1
                kept = best.get((*area, row.utility_id))
                if kept is None or row.rank < kept.rank:
                    best[(*area, row.utility_id)] = row
    added: list[ZipRow] = []
    for zip_code, zip_rows in sorted(newest.items()):
        if any(serves_households(row.rank) for row in zip_rows):
            continue
        area = (zip_code[:3], zip_rows[0].state)
        present = {row.utility_id for row in zip_rows}
        candidates = [(n, u) for u, n in listed[area].items() if u not in present]
        candidates.sort(key=lambda c: (-c[0], best[(*area, c[1])].rank, c[1]))
        for _count, utility_id in candidates[:AREA_SUGGESTIONS]:
            model = best[(*area, utility_id)]
            added.append(
                replace(model, zip=zip_code, edition=zip_rows[0].edition, matched_by="area")
            )
    return added
