"""Two real processes share one utility's budget on PostgreSQL (where workers run as separate
processes): together they never go faster than the bucket allows."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from gridlink.connectors.metadata import RequestBudget
from tests.budgets.windows import overruns
from tests.conftest import DATABASES, _empty_tables

pytestmark = pytest.mark.skipif(
    "postgresql" not in DATABASES, reason="separate processes share a PostgreSQL database"
)
TAKER = Path(__file__).with_name("taker.py")


@pytest.fixture
def pg_url(database_urls: dict[str, str]) -> Iterator[str]:
    url = database_urls["postgresql"]
    yield url
    asyncio.run(_empty_tables(url))


def test_two_processes_together_never_exceed_the_budget(pg_url: str) -> None:
    budget = RequestBudget(per_minute=300, burst=2)  # a token every 0.2 s
    start = time.time() + 4  # both have started, connected and warmed up by then
    args = [pg_url, "eia_14328", "300", "2", "3", "3", str(start)]
    processes = [
        subprocess.Popen(
            [sys.executable, str(TAKER), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE
        )
        for _ in range(2)
    ]
    let_through: list[float] = []
    for process in processes:
        out, err = process.communicate(timeout=60)
        assert process.returncode == 0, err.decode()
        let_through += json.loads(out)
    assert len(let_through) == 18
    assert min(let_through) >= start
    assert overruns(let_through, budget) == []
