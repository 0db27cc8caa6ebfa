"""One process taking tokens of a utility's bucket: ``python tests/budgets/taker.py URL
UTILITY PER_MINUTE BURST TASKS TAKES START``. Opens its connections, waits until the epoch
second START (so several processes contend from the same moment), runs TASKS tasks taking
TAKES tokens each, and prints the moments they were let through as one JSON list."""

from __future__ import annotations

import asyncio
import json
import sys
import time

from gridlink.budgets.pacing import bucket_pace
from gridlink.connectors.metadata import RequestBudget
from gridlink.kit.clock import SystemClock
from gridlink.kit.db import Database


async def main(url: str, utility: str, budget: RequestBudget, tasks: int, takes: int) -> None:
    db = Database(url)
    clock = SystemClock()
    let_through: list[float] = []
    try:
        warm = bucket_pace(db, clock, f"{utility}_warm_up", RequestBudget(6000, 100), asyncio.sleep)
        await asyncio.gather(*(warm() for _ in range(tasks)))
        await asyncio.sleep(max(0.0, start - time.time()))
        pace = bucket_pace(db, clock, utility, budget, asyncio.sleep)

        async def taker() -> None:
            for _ in range(takes):
                await pace()
                let_through.append(clock.now().timestamp())

        await asyncio.gather(*(taker() for _ in range(tasks)))
    finally:
        await db.dispose()
    print(json.dumps(let_through))


if __name__ == "__main__":
    url, utility, per_minute, burst, tasks, takes, start_text = sys.argv[1:8]
    start = float(start_text)
    budget = RequestBudget(float(per_minute), int(burst))
    asyncio.run(main(url, utility, budget, int(tasks), int(takes)))
