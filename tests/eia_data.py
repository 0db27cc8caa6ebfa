"""The public OpenEI zip tables, read where the project keeps them (never copied into the repo).

Tests that need them are skipped, with the reason, on a checkout without ``../shared/data``;
``GRIDLINK_TEST_OPENEI_DIR`` points elsewhere.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Callable
from pathlib import Path

import pytest

OPENEI_DIR = Path(
    os.environ.get(
        "GRIDLINK_TEST_OPENEI_DIR",
        Path(__file__).resolve().parents[2] / "shared" / "data" / "openei",
    )
)
IOU_FILE = OPENEI_DIR / "iouzipcodes2011.csv"
NON_IOU_FILE = OPENEI_DIR / "noniouzipcodes2011.csv"
HEADER = ["zip", "eiaid", "utility_name", "state", "service_type", "ownership"]
HEADER += ["comm_rate", "ind_rate", "res_rate"]


def eia_files() -> list[Path]:
    if not (IOU_FILE.is_file() and NON_IOU_FILE.is_file()):
        pytest.skip(f"the OpenEI 2011 zip tables are not at {OPENEI_DIR}")
    return [IOU_FILE, NON_IOU_FILE]


def eia_rows() -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    for path in eia_files():
        with path.open(newline="") as handle:
            rows.extend(csv.DictReader(handle))
    return rows


def write_table(path: Path, rows: list[dict[str, str]]) -> Path:
    """Write rows the way OpenEI does: header, CRLF line endings."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as handle:
        writer = csv.DictWriter(handle, HEADER, lineterminator="\r\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


def write_subset(path: Path, keep: Callable[[dict[str, str]], bool]) -> Path:
    """A smaller table of real rows, for tests that do not need all 56,458."""
    return write_table(path, [row for row in eia_rows() if keep(row)])
