"""``gridlink utilities import-eia``: EIA/OpenEI zip tables into the live catalog.

One transaction per import, so a failed import changes nothing. Re-importing is idempotent
(upserts), and a zip covered by a newer edition keeps only that edition's rows. Imported
utilities are live catalog entries with status ``unsupported`` until a connector serves them.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from gridlink.kit.clock import Clock
from gridlink.kit.db import Database
from gridlink.utilities.catalog import LIVE
from gridlink.utilities.eia import EiaData, EiaUtility, read_files
from gridlink.utilities.repository import UtilityRepository

UNSUPPORTED = "unsupported"


def eia_utility_id(eiaid: int) -> str:
    return f"eia_{eiaid}"


@dataclass(frozen=True)
class ImportSummary:
    files: int
    rows_read: int
    utilities_in_files: int
    zips_in_files: int
    superseded_rows: int
    catalog_utilities: int
    catalog_zip_rows: int
    catalog_zips: int
    seconds: float


def _utility_values(utility: EiaUtility, now: datetime) -> dict[str, Any]:
    return {
        "id": eia_utility_id(utility.eiaid),
        "name": utility.name,
        "sort_name": utility.name.lower(),
        "search_text": utility.search_text,
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


async def _write(db: Database, data: EiaData, now: datetime) -> tuple[int, tuple[int, int, int]]:
    async with db.transaction() as session:
        repo = UtilityRepository(session)
        await repo.upsert_eia_utilities([_utility_values(u, now) for u in data.utilities.values()])
        await repo.add_states(
            [
                (eia_utility_id(u.eiaid), s)
                for u in data.utilities.values()
                for s in sorted(u.states)
            ]
        )
        await repo.upsert_zip_rows(
            [
                {
                    "zip": row.zip,
                    "utility_id": eia_utility_id(row.eiaid),
                    "state": row.state,
                    "service_type": row.service_type,
                    "ownership": row.ownership,
                    "rank": row.rank,
                    "edition": row.edition,
                }
                for row in data.zips.values()
            ]
        )
        superseded = await repo.prune_superseded_zip_rows()
        return superseded, await repo.count_eia()


async def import_eia(
    db: Database, paths: Sequence[Path], clock: Clock, edition: int | None = None
) -> ImportSummary:
    started = time.perf_counter()
    data = await asyncio.to_thread(read_files, paths, edition)
    superseded, (utilities, zip_rows, zips) = await _write(db, data, clock.now())
    return ImportSummary(
        files=len(paths),
        rows_read=data.rows_read,
        utilities_in_files=len(data.utilities),
        zips_in_files=len({zip_code for zip_code, _ in data.zips}),
        superseded_rows=superseded,
        catalog_utilities=utilities,
        catalog_zip_rows=zip_rows,
        catalog_zips=zips,
        seconds=time.perf_counter() - started,
    )
