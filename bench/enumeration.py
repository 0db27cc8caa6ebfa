"""How long each kind of refused secret takes to answer (security control 36), in-process.

    .venv/bin/python bench/enumeration.py [--requests 300] [--databases sqlite,postgresql]

tests/test_enumeration.py proves that every refusal of one kind of secret (malformed, never
issued, other environment, expired, spent, revoked, another client's) reads the same and runs
the same SQL statements. This prints what that is worth in time: the same cases
(tests/enumeration_cases.py), each sent --requests times through the real app (httpx's ASGI
transport, no socket), in rounds that visit every case once in a shuffled order, so drift on a
busy machine spreads over all of them. Per case: median and p95 in µs, and the median's ratio
to the well-formed value never issued (the reference). Asserts nothing.

PostgreSQL: GRIDLINK_BENCH_POSTGRES_URL (default postgresql://postgres@127.0.0.1:5432/postgres);
a scratch database is created and dropped.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import os
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests import enumeration_cases as cases
from tests.lifespan import running

from gridlink import Settings, create_app
from gridlink.kit.clock import ManualClock
from gridlink.kit.db import Database
from gridlink.kit.migrations import upgrade_to_head

ADMIN_URL = os.environ.get(
    "GRIDLINK_BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
PG_NAME = "gridlink_bench_enumeration"
MASTER_KEYS = "kbench:" + base64.b64encode(b"\x05" * 32).decode()
WARM_UP = 10


async def _postgres(action: str) -> str:
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{PG_NAME}" WITH (FORCE)')
        if action == "create":
            await admin.execute(f'CREATE DATABASE "{PG_NAME}"')
    finally:
        await admin.close()
    base = ADMIN_URL.rsplit("/", 1)[0].replace("postgresql://", "postgresql+asyncpg://", 1)
    return f"{base}/{PG_NAME}"


def _p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20)[-1]


async def _time(refusals: cases.Refusals, requests: int) -> dict[str, list[float]]:
    labels = list(refusals.sends)
    for label in labels:
        for _ in range(WARM_UP):
            response = await refusals.sends[label]()
            assert response.status_code == refusals.status, (label, response.text)
    micros: dict[str, list[float]] = {label: [] for label in labels}
    for _ in range(requests):
        random.shuffle(labels)
        for label in labels:
            started = time.perf_counter_ns()
            await refusals.sends[label]()
            micros[label].append((time.perf_counter_ns() - started) / 1000)
    return micros


def _print(refusals: cases.Refusals, micros: dict[str, list[float]]) -> None:
    reference = statistics.median(micros[cases.NEVER_ISSUED])
    print(f"\n  {refusals.name}  ({refusals.status}; reference: {cases.NEVER_ISSUED})")
    for label, values in micros.items():
        median = statistics.median(values)
        print(
            f"    {label:<28} median {median:8.0f} µs   p95 {_p95(values):8.0f} µs"
            f"   {median / reference:5.2f}x"
        )


async def _run(database: str, url: str, data_dir: Path, requests: int) -> None:
    db = Database(url)
    try:
        await upgrade_to_head(db)
    finally:
        await db.dispose()
    settings = Settings(
        database_url=url,
        data_dir=data_dir,
        migrate_on_start=False,
        run_worker=False,
        master_keys=MASTER_KEYS,  # type: ignore[arg-type]
        log_level="warning",
    )
    app = create_app(settings, clock=ManualClock())
    print(f"\n{database}: {requests} requests per case, after {WARM_UP} to warm up")
    async with running(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://bench") as api:
            # Timed right after each is built: a later builder moves the clock, which would
            # expire what this one made unexpired.
            for build in cases.BUILDERS.values():
                for refusals in await build(app, api):
                    _print(refusals, await _time(refusals, requests))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    print(f"load average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for database in args.databases.split(","):
        with tempfile.TemporaryDirectory() as folder:
            if database == "sqlite":
                url = f"sqlite+aiosqlite:///{folder}/bench.db"
                asyncio.run(_run(database, url, Path(folder) / "data", args.requests))
            else:
                url = asyncio.run(_postgres("create"))
                try:
                    asyncio.run(_run(database, url, Path(folder) / "data", args.requests))
                finally:
                    asyncio.run(_postgres("drop"))
    print(f"\nload average: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")


if __name__ == "__main__":
    main()
