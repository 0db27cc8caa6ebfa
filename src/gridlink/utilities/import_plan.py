"""What an EIA import writes, worked out before anything is written (pure: no database).

Each EIA utility's rows go to its catalog entry (``Claims.target``): its own ``eia_<N>`` entry,
or the connector utility that claims it (ADR 0007). An entry no connector serves is named by
the import: its brand (utilities/brands.py), EIA's name as ``legal_name``. An entry a
connector serves keeps the connector's name; the import adds what it learnt (legal name, the
names search should match, EIA ids), merged with what earlier imports added, so importing the
tables state by state adds up instead of overwriting.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from gridlink.models import Utility
from gridlink.utilities.areas import ZipRow, area_rows
from gridlink.utilities.claims import Claims, eia_utility_id
from gridlink.utilities.eia import EiaData, EiaUtility

UNSUPPORTED = "unsupported"
LIVE = "live"
SEARCH_TEXT_LIMIT = 500  # the column's length


@dataclass
class ImportPlan:
    named: list[dict[str, Any]] = field(default_factory=list)  # entries the import names
    claimed: list[dict[str, Any]] = field(default_factory=list)  # connector entries it adds to
    states: list[tuple[str, str]] = field(default_factory=list)
    zip_rows: list[ZipRow] = field(default_factory=list)


def plan_import(
    data: EiaData, claims: Claims, connector_entries: dict[str, Utility], now: datetime
) -> ImportPlan:
    """``connector_entries``: the catalog rows of the connector utilities ``claims`` names."""
    plan = ImportPlan()
    groups: dict[str, list[EiaUtility]] = defaultdict(list)
    for utility in data.utilities.values():
        groups[claims.target(utility.eiaid)].append(utility)
    for target, members in sorted(groups.items()):
        members.sort(key=lambda m: (eia_utility_id(m.eiaid) != target, m.eiaid))
        held = connector_entries.get(target) if target in claims.owner.values() else None
        if held is None:
            plan.named.append(_named(target, members[0], now))
        else:
            plan.claimed.append(_claimed(held, target, members, now))
        plan.states += sorted({(target, state) for m in members for state in m.states})
    plan.zip_rows = _zip_rows(data, claims)
    plan.zip_rows += area_rows(plan.zip_rows)
    return plan


def _named(target: str, utility: EiaUtility, now: datetime) -> dict[str, Any]:
    return {
        "id": target,
        "name": utility.brand,
        "legal_name": utility.name,
        "sort_name": utility.brand.lower(),
        "search_text": utility.search_text[:SEARCH_TEXT_LIMIT],
        "logo_url": None,
        "electric": True,
        "gas": False,
        "water": False,
        "sign_in_kinds": [],
        "mfa_methods": [],
        "connector_id": None,
        "forgot_password_url": None,
        "status": UNSUPPORTED,
        "environment": LIVE,
        "eia_ids": [utility.eiaid],
        "eia_edition": utility.edition,
        "created_at": now,
        "updated_at": now,
    }


def _claimed(
    held: Utility, target: str, members: list[EiaUtility], now: datetime
) -> dict[str, Any]:
    search = held.search_text
    for member in members:
        if member.search_text not in search:
            search = f"{search} {member.search_text}"
    edition = max(m.edition for m in members)
    newer = held.eia_edition is None or edition >= held.eia_edition
    own = members[0] if eia_utility_id(members[0].eiaid) == target else None
    legal_name = held.legal_name
    if legal_name is None or (own is not None and newer):
        legal_name = (own or members[0]).name
    return {
        "b_id": target,
        "b_legal_name": legal_name,
        "b_search_text": search[:SEARCH_TEXT_LIMIT],
        "b_eia_ids": sorted({*held.eia_ids, *(m.eiaid for m in members)}),
        "b_eia_edition": max(edition, held.eia_edition or 0),
        "b_updated_at": now,
    }


def _zip_rows(data: EiaData, claims: Claims) -> list[ZipRow]:
    """One row per (zip, entry): a zip two subsidiaries of one entry share keeps the better."""
    best: dict[tuple[str, str], ZipRow] = {}
    for row in data.zips.values():
        target = claims.target(row.eiaid)
        candidate = ZipRow(
            row.zip, target, row.state, row.service_type, row.ownership, row.rank, row.edition
        )
        held = best.get((row.zip, target))
        if held is None or (candidate.edition, -candidate.rank) > (held.edition, -held.rank):
            best[(row.zip, target)] = candidate
    return list(best.values())
