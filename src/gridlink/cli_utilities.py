"""``gridlink utilities import-eia``: load EIA/OpenEI utility-by-zip tables into the catalog."""

from __future__ import annotations

import asyncio
import json
import sys
from pathlib import Path

from gridlink.config import Settings

EXIT_USAGE = 2


def import_eia(paths: list[Path], edition: int | None, as_json: bool, settings: Settings) -> int:
    from gridlink.cli_database import open_database
    from gridlink.kit.clock import SystemClock
    from gridlink.utilities.eia import EiaFormatError
    from gridlink.utilities.importer import import_eia as run_import
    from gridlink.worker.registry import build_connectors

    missing = [str(p) for p in paths if not p.is_file()]
    if missing:
        print(f"gridlink utilities: error: no such file: {', '.join(missing)}", file=sys.stderr)
        return EXIT_USAGE

    async def go() -> int:
        db = await open_database(settings)
        try:
            served = build_connectors(settings).utilities()  # whose claims apply, as in serve
            summary = await run_import(db, paths, SystemClock(), edition, served)
        except EiaFormatError as exc:
            print(f"gridlink utilities: error: {exc}", file=sys.stderr)
            return EXIT_USAGE
        finally:
            await db.dispose()
        if as_json:
            print(json.dumps(summary.__dict__))
            return 0
        print(
            f"read {summary.rows_read} rows from {summary.files} file(s): "
            f"{summary.utilities_in_files} utilities, {summary.zips_in_files} zip codes "
            f"({summary.seconds:.2f} s)"
        )
        if summary.superseded_rows:
            print(f"replaced {summary.superseded_rows} rows of older editions")
        print(
            f"live catalog: {summary.catalog_utilities} EIA utilities over "
            f"{summary.catalog_zips} zip codes ({summary.catalog_zip_rows} zip rows); they are "
            "listed with status 'unsupported' until a connector serves them"
        )
        return 0

    return asyncio.run(go())
