"""Timings for the utility catalog import and the vault, on SQLite and PostgreSQL.

    .venv/bin/python bench/catalog_vault.py [OPENEI_DIR]

Imports both OpenEI 2011 zip tables into a fresh database (then again, which must change
nothing), then seals 1,000 credentials and re-wraps their data keys under a new master key.
PostgreSQL: GRIDLINK_BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres).
"""

from __future__ import annotations

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import asyncpg

from gridlink.clients.service import NewClient, create_client
from gridlink.kit.clock import SystemClock
from gridlink.kit.db import Database
from gridlink.kit.keyring import add_primary_key, key_file_path, open_key_source
from gridlink.kit.migrations import upgrade_to_head
from gridlink.kit.vault import Owner, Vault, rewrap_all
from gridlink.utilities.importer import import_eia

ADMIN_URL = os.environ.get(
    "GRIDLINK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
PG_NAME = "gridlink_bench_catalog_vault"
DEFAULT_OPENEI = Path(__file__).resolve().parents[2] / "shared" / "data" / "openei"
RECORDS = 1000


async def _fresh_postgres() -> str:
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{PG_NAME}"')
    finally:
        await admin.close()
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + PG_NAME


async def _vault(db: Database, data_dir: Path) -> tuple[float, float, float]:
    clock = SystemClock()
    async with db.transaction() as session:
        client = await create_client(session, clock, NewClient("Bench", ["https://b.example"], []))
    vault = Vault(open_key_source(None, data_dir), clock)
    started = time.perf_counter()
    for n in range(RECORDS):
        async with db.transaction() as session:
            owner = Owner(client.client_id, f"ucr_{n}")
            await vault.seal(session, owner=owner, field="password", plaintext=b"pw")
    sealed = time.perf_counter() - started
    started = time.perf_counter()
    for n in range(RECORDS):
        async with db.transaction(write=False) as session:
            owner = Owner(client.client_id, f"ucr_{n}")
            await vault.open(session, owner=owner, field="password")
    opened = time.perf_counter() - started
    add_primary_key(key_file_path(data_dir))
    started = time.perf_counter()
    report = await rewrap_all(db, vault.keys, clock, settle_seconds=0)
    assert report.rewrapped == RECORDS
    return sealed, opened, time.perf_counter() - started


async def _run(name: str, url: str, files: list[Path], data_dir: Path) -> None:
    db = Database(url)
    try:
        await upgrade_to_head(db)
        first = await import_eia(db, files, SystemClock())
        again = await import_eia(db, files, SystemClock())
        sealed, opened, rewrapped = await _vault(db, data_dir)
    finally:
        await db.dispose()
    print(
        f"| {name:<10} | {first.seconds:6.2f} s | {again.seconds:6.2f} s | "
        f"{sealed * 1000 / RECORDS:5.2f} ms | {opened * 1000 / RECORDS:5.2f} ms | "
        f"{RECORDS / rewrapped:7.0f} /s |"
    )


async def main() -> None:
    openei = Path(sys.argv[1]) if len(sys.argv) > 1 else DEFAULT_OPENEI
    files = [openei / "iouzipcodes2011.csv", openei / "noniouzipcodes2011.csv"]
    print(f"EIA import: {', '.join(p.name for p in files)}; vault: {RECORDS} credentials\n")
    print("| database   | import   | re-import | seal     | open     | re-wrap    |")
    print("|------------|----------|-----------|----------|----------|------------|")
    with tempfile.TemporaryDirectory() as tmp:
        sqlite_url = f"sqlite+aiosqlite:///{tmp}/bench.db"
        await _run("SQLite", sqlite_url, files, Path(tmp) / "sqlite-keys")
        await _run("PostgreSQL", await _fresh_postgres(), files, Path(tmp) / "pg-keys")


if __name__ == "__main__":
    asyncio.run(main())
