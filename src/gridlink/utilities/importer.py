"""``gridlink utilities import-eia``: EIA/OpenEI zip tables into the live catalog.

One transaction per import, so a failed import changes nothing. Re-importing is idempotent
(upserts), and a zip covered by a newer edition keeps only that edition's rows. Imported
utilities are live catalog entries with status ``unsupported`` until a connector serves them;
what the import writes is planned in ``import_plan`` (claims, brands, area suggestions).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path

from gridlink.connectors.registry import ServedUtility, default_registry
from gridlink.kit.clock import Clock
from gridlink.kit.db import Database
from gridlink.utilities.catalog import apply_claims
from gridlink.utilities.claims import Claims
from gridlink.utilities.eia import EiaData, read_files
from gridlink.utilities.import_plan import plan_import
from gridlink.utilities.repository import UtilityRepository


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


async def _write(
    db: Database, data: EiaData, served: Sequence[ServedUtility], now: datetime
) -> tuple[int, tuple[int, int, int]]:
    async with db.transaction() as session:
        repo = UtilityRepository(session)
        claims = Claims.of(served)
        # Only entries start-up already wrote can take rows: before the first start the claims
        # wait, and start-up applies them to what was imported (catalog.apply_claims).
        entries = await repo.get_many(claims.utility_ids())
        claims = claims.restricted_to(entries)
        plan = plan_import(data, claims, entries, now)
        await repo.upsert_eia_utilities(plan.named)
        await repo.update_claimed(plan.claimed)
        await repo.add_states(plan.states)
        await repo.upsert_zip_rows([asdict(row) for row in plan.zip_rows])
        superseded = await repo.prune_superseded_zip_rows()
        await apply_claims(repo, claims, now)  # suggest e.g. Smart Meter Texas in the new zips
        return superseded, await repo.count_eia()


async def import_eia(
    db: Database,
    paths: Sequence[Path],
    clock: Clock,
    edition: int | None = None,
    served: Sequence[ServedUtility] | None = None,
) -> ImportSummary:
    """``served``: the registered connectors' utilities (``ConnectorRegistry.utilities()``),
    whose claims on EIA utilities apply; by default the built-in connectors'."""
    started = time.perf_counter()
    data = await asyncio.to_thread(read_files, paths, edition)
    if served is None:
        served = default_registry(discover=False).utilities()
    superseded, (utilities, zip_rows, zips) = await _write(db, data, served, clock.now())
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
