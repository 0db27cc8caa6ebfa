"""Request budget benchmark (issue 12): takes per second achieved against the configured rate.

On both databases (a temporary SQLite file; a scratch PostgreSQL database), 1, 4 and 16
concurrent takers share one utility's bucket for a few seconds each, every take a real
transaction through ``budgets/pacing.py``:

- paced: a budget of 10 a second (burst 1), far below what the database can do: achieved
  should equal configured, whatever the number of takers;
- ceiling: a budget of 100,000 a second, which the database cannot reach: achieved is what
  one utility's bucket can hand out, i.e. the cost of a take.

Also the take's own time (its transaction, without the wait: p50 and p99 in ms), which every
paced request adds to its wait. Prints a markdown table; asserts nothing.

    .venv/bin/python bench/request_budget.py [--seconds 4] [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import asyncpg

from gridlink.budgets.pacing import bucket_pace
from gridlink.connectors.metadata import RequestBudget
from gridlink.kit.clock import SystemClock
from gridlink.kit.db import Database
from gridlink.kit.migrations import upgrade_to_head

ADMIN_URL = os.environ.get(
    "GRIDLINK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
DATABASE = "gridlink_bench_budget"
TAKERS = (1, 4, 16)
BUDGETS = {"paced": RequestBudget(600, 1), "ceiling": RequestBudget(6_000_000, 1)}


@dataclass
class Result:
    database: str
    regime: str
    takers: int
    configured: float
    achieved: float
    p50_ms: float
    p99_ms: float


async def measure(db: Database, budget: RequestBudget, takers: int, seconds: float) -> Result:
    utility = f"bench_{takers}_{time.monotonic_ns()}"
    slept: dict[int, float] = {}

    async def sleep(wait: float) -> None:  # asyncio.sleep, remembering who slept how long
        started = time.monotonic()
        await asyncio.sleep(wait)
        key = id(asyncio.current_task())
        slept[key] = slept.get(key, 0.0) + time.monotonic() - started

    pace = bucket_pace(db, SystemClock(), utility, budget, sleep)
    await pace()  # the row exists and the bucket is empty: the run is at the steady rate
    take_times: list[float] = []
    let_through = 0

    async def taker() -> None:
        nonlocal let_through
        key = id(asyncio.current_task())
        while time.monotonic() < deadline:
            slept[key] = 0.0
            started = time.monotonic()
            await pace()
            take_times.append(time.monotonic() - started - slept[key])
            let_through += 1

    started = time.monotonic()
    deadline = started + seconds
    await asyncio.gather(*(taker() for _ in range(takers)))
    elapsed = time.monotonic() - started
    cuts = statistics.quantiles(take_times, n=100)
    return Result(
        "",
        "",
        takers,
        budget.per_minute / 60,
        let_through / elapsed,
        cuts[49] * 1000,
        cuts[98] * 1000,
    )


async def run_on(name: str, url: str, seconds: float) -> list[Result]:
    db = Database(url)
    try:
        await upgrade_to_head(db)
        results = []
        for regime, budget in BUDGETS.items():
            for takers in TAKERS:
                result = await measure(db, budget, takers, seconds)
                result.database, result.regime = name, regime
                results.append(result)
                print(f"… {name} {regime} {takers}", flush=True)
        return results
    finally:
        await db.dispose()


async def main(seconds: float, databases: list[str]) -> list[Result]:
    results: list[Result] = []
    if "sqlite" in databases:
        with tempfile.TemporaryDirectory() as folder:
            url = f"sqlite+aiosqlite:///{Path(folder) / 'bench.db'}"
            results += await run_on("SQLite", url, seconds)
    if "postgresql" in databases:
        admin = await asyncpg.connect(ADMIN_URL)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            await admin.execute(f'CREATE DATABASE "{DATABASE}"')
            url = f"{ADMIN_URL.rsplit('/', 1)[0]}/{DATABASE}"
            results += await run_on("PostgreSQL", url, seconds)
        finally:
            await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
            await admin.close()
    return results


def render(results: list[Result], seconds: float) -> str:
    lines = [
        f"Request budget: one utility's bucket, {seconds:g} s per row, "
        f"load average {os.getloadavg()[0]:.2f}",
        "",
        "| database | budget | takers | configured/s | achieved/s | achieved/configured "
        "| take p50 ms | take p99 ms |",
        "|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        lines.append(
            f"| {r.database} | {r.regime} | {r.takers} | {r.configured:,.0f} | "
            f"{r.achieved:,.1f} | {r.achieved / r.configured:.3f} | {r.p50_ms:.2f} | "
            f"{r.p99_ms:.2f} |"
        )
    return "\n".join(lines)


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=4.0)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    print(render(asyncio.run(main(args.seconds, args.databases.split(","))), args.seconds))
