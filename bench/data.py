"""Stored-data benchmark (issue 6): interval ingest, serving and bytes per reading.

On SQLite (a file) and on a scratch PostgreSQL database, each in one run:

- ingest: 100 meter-years of 15-minute readings (3.5 M) through ``upsert_intervals``, one
  transaction per meter, one call per month of readings (as a sync would fetch them);
- rewrite: the same readings again for 10 meters (the idempotent no-op a repeated sync does);
- ceiling: the same packed rows for 100 other meters inserted raw (PostgreSQL: COPY; SQLite:
  executemany of plain INSERTs), the fastest this database takes these bytes;
- bytes per reading: the interval table with its index (``pg_total_relation_size``; SQLite's
  ``dbstat``), and, for comparison, a row-per-reading table of 10 meter-years;
- serving: one meter-year through the real HTTP API of a ``gridlink serve`` process, raw JSON,
  raw CSV and the monthly rollup (median of 5 after one warm-up).

Prints a markdown table with the goals next to it; asserts nothing.

    .venv/bin/python bench/data.py [--meters 100] [--databases sqlite,postgresql]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import sqlite3
import statistics
import sys
import tempfile
import time
from array import array
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from foundation import running, scratch_postgres
from gridlink.clients.service import NewClient, create_client
from gridlink.connectors.models import (
    Account,
    Commodity,
    IntervalReading,
    Meter,
    ServiceClass,
)
from gridlink.data import intervals, service
from gridlink.kit.clock import SystemClock
from gridlink.kit.db import Database
from gridlink.kit.ids import new_id
from gridlink.kit.migrations import upgrade_to_head
from gridlink.models import UtilityCredential
from gridlink.users.repository import UserRepository

INGEST_GOAL = 300_000  # readings/s on PostgreSQL
SERVE_GOAL_MS = 100  # one meter-year, raw JSON
BYTES_GOAL = 16  # per reading
YEAR = datetime(2025, 1, 1, tzinfo=UTC)
STEP = timedelta(minutes=15)
SLOTS = 365 * 96


@dataclass
class Result:
    database: str
    readings: int = 0
    ingest_s: float = 0.0
    rewrite_rate: float = 0.0
    ceiling_rate: float = 0.0
    bytes_per_reading: float = 0.0
    row_per_reading_bytes: float = 0.0
    row_per_reading_rate: float = 0.0
    serve_ms: dict[str, float] = field(default_factory=dict)

    @property
    def ingest_rate(self) -> float:
        return self.readings / self.ingest_s if self.ingest_s else 0.0


_STARTS = [YEAR + i * STEP for i in range(SLOTS)]
_VALUES = [Decimal(n).scaleb(-3) for n in range(2_000)]  # 0.000 to 1.999 kWh


def meter_year(seed: int) -> list[list[IntervalReading]]:
    """One meter's year of readings, cut into 12 monthly batches."""
    rng = random.Random(seed)
    values = _VALUES
    readings = [
        IntervalReading(start, STEP, values[rng.randrange(50, 1_500)], "kWh") for start in _STARTS
    ]
    months: list[list[IntervalReading]] = []
    for month in range(12):
        first = datetime(2025, month + 1, 1, tzinfo=UTC)
        last = datetime(2025 + (month == 11), (month + 1) % 12 + 1, 1, tzinfo=UTC)
        lo = int((first - YEAR) / STEP)
        hi = min(int((last - YEAR) / STEP), SLOTS)
        months.append(readings[lo:hi])
    return months


async def seed(db: Database, meters: int) -> tuple[str, str, list[str]]:
    """A client (returns its id and secret), one credential and account, ``meters`` meters."""
    clock = SystemClock()
    async with db.transaction() as session:
        created = await create_client(
            session, clock, NewClient("bench", ["https://bench.example"], [], "sandbox")
        )
        now = clock.now()
        user = await UserRepository(session).get_or_create(created.client_id, "bench-user", now)
        credential = UtilityCredential(
            id=new_id("ucr"),
            client_id=created.client_id,
            user_id=user.id,
            utility_id="sandbox_electric",
            status="verified",
            created_at=now,
            updated_at=now,
        )
        session.add(credential)
        await session.flush()
        [account] = await service.upsert_accounts(
            session, clock, credential.id, [Account("bench-1", None)]
        )
        stored = await service.upsert_meters(
            session,
            clock,
            account.id,
            [
                Meter(
                    f"M{i:05d}",
                    Commodity.ELECTRIC,
                    ServiceClass.RESIDENTIAL,
                    None,
                    "America/New_York",
                )
                for i in range(meters)
            ],
        )
        await service.mark_data_ready(session, clock, credential.id)
    return created.client_id, created.client_secret, [s.id for s in stored]


async def ingest(db: Database, meter_ids: list[str]) -> tuple[int, float]:
    total = 0
    elapsed = 0.0
    for index, meter_id in enumerate(meter_ids):
        months = meter_year(index)  # generated outside the timing
        started = time.perf_counter()
        async with db.transaction() as session:
            for batch in months:
                change = await service.upsert_intervals(session, meter_id, batch)
                total += change.added
        elapsed += time.perf_counter() - started
    return total, elapsed


async def rewrite_rate(db: Database, meter_ids: list[str]) -> float:
    total = 0
    elapsed = 0.0
    for index, meter_id in enumerate(meter_ids):
        months = meter_year(index)
        started = time.perf_counter()
        async with db.transaction() as session:
            for batch in months:
                change = await service.upsert_intervals(session, meter_id, batch)
                assert not change.has_changes
                total += change.unchanged
        elapsed += time.perf_counter() - started
    return total / elapsed


def packed_rows(meter_id: str, seed_index: int) -> list[tuple[Any, ...]]:
    """The day rows ``upsert_intervals`` writes for one meter-year, packed here directly."""
    rng = random.Random(seed_index)
    rows = []
    for day in range(365):
        values = array("q", (rng.randrange(50, 1_500) * 1_000 for _ in range(96)))
        rows.append(
            (
                meter_id,
                "delivered",
                (YEAR + timedelta(days=day)).date(),
                900,
                0,
                "kWh",
                intervals.pack(values),
            )
        )
    return rows


COLUMNS = [
    "meter_id",
    "direction",
    "day",
    "interval_seconds",
    "offset_seconds",
    "source_unit",
    "packed",
]


async def ceiling_postgres(url: str, meter_ids: list[str]) -> float:
    rows = [row for i, m in enumerate(meter_ids) for row in packed_rows(m, i)]
    connection = await asyncpg.connect(url)
    try:
        started = time.perf_counter()
        await connection.copy_records_to_table(
            "utility_interval_days", records=rows, columns=COLUMNS
        )
        elapsed = time.perf_counter() - started
    finally:
        await connection.close()
    return len(rows) * 96 / elapsed


def ceiling_sqlite(path: Path, meter_ids: list[str]) -> float:
    rows = [
        (*row[:2], row[2].isoformat(), *row[3:])
        for i, m in enumerate(meter_ids)
        for row in packed_rows(m, i)
    ]
    connection = sqlite3.connect(path)
    try:
        connection.execute("PRAGMA synchronous=NORMAL")
        started = time.perf_counter()
        with connection:
            connection.executemany(
                f"INSERT INTO utility_interval_days ({', '.join(COLUMNS)}) "  # noqa: S608
                f"VALUES ({', '.join('?' * len(COLUMNS))})",
                rows,
            )
        elapsed = time.perf_counter() - started
    finally:
        connection.close()
    return len(rows) * 96 / elapsed


def _per_reading_rows(meters: int) -> list[tuple[Any, ...]]:
    rng = random.Random(1)
    return [
        (f"mtr_{m:026d}", "delivered", start, rng.randrange(50, 1_500) * 1_000)
        for m in range(meters)
        for start in _STARTS
    ]


ROW_TABLE = (
    "CREATE TABLE bench_row_per_reading (meter_id VARCHAR(40) NOT NULL, "
    "direction VARCHAR(10) NOT NULL, start {ts} NOT NULL, value BIGINT NOT NULL, "
    "PRIMARY KEY (meter_id, direction, start))"
)


async def row_per_reading_postgres(url: str, meters: int) -> tuple[float, float]:
    rows = _per_reading_rows(meters)
    connection = await asyncpg.connect(url)
    try:
        await connection.execute(ROW_TABLE.format(ts="TIMESTAMPTZ"))
        started = time.perf_counter()
        await connection.copy_records_to_table("bench_row_per_reading", records=rows)
        elapsed = time.perf_counter() - started
        await connection.execute("VACUUM ANALYZE bench_row_per_reading")
        size = await connection.fetchval("SELECT pg_total_relation_size('bench_row_per_reading')")
        await connection.execute("DROP TABLE bench_row_per_reading")
    finally:
        await connection.close()
    return size / len(rows), len(rows) / elapsed


def row_per_reading_sqlite(path: Path, meters: int) -> tuple[float, float]:
    rows = [
        (m, d, s.strftime("%Y-%m-%d %H:%M:%S.000000"), v)
        for m, d, s, v in _per_reading_rows(meters)
    ]
    connection = sqlite3.connect(path)
    try:
        connection.execute(ROW_TABLE.format(ts="DATETIME"))
        started = time.perf_counter()
        with connection:
            connection.executemany("INSERT INTO bench_row_per_reading VALUES (?, ?, ?, ?)", rows)
        elapsed = time.perf_counter() - started
        size = sqlite_bytes(connection, "bench_row_per_reading")
        connection.execute("DROP TABLE bench_row_per_reading")
    finally:
        connection.close()
    return size / len(rows), len(rows) / elapsed


def sqlite_bytes(connection: sqlite3.Connection, table: str) -> int:
    """Pages of the table and its indexes (SQLite's dbstat)."""
    names = [table] + [
        row[0]
        for row in connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND tbl_name = ?", (table,)
        )
    ]
    marks = ", ".join("?" * len(names))
    query = f"SELECT SUM(pgsize) FROM dbstat WHERE name IN ({marks})"  # noqa: S608
    return int(connection.execute(query, names).fetchone()[0])


async def postgres_bytes(url: str, readings: int) -> float:
    connection = await asyncpg.connect(url)
    try:
        await connection.execute("VACUUM ANALYZE utility_interval_days")
        size = await connection.fetchval("SELECT pg_total_relation_size('utility_interval_days')")
    finally:
        await connection.close()
    return size / readings


def serve_times(
    url: str, workdir: Path, client: tuple[str, str], meter_id: str
) -> dict[str, float]:
    cases = {
        "raw JSON": {"resolution": "raw", "format": "json"},
        "raw CSV": {"resolution": "raw", "format": "csv"},
        "monthly JSON": {"resolution": "month", "format": "json"},
    }
    times: dict[str, float] = {}
    with running(workdir / "server", url) as server:
        base = f"http://127.0.0.1:{server.port}"
        with httpx.Client(base_url=base, auth=client, timeout=60) as http:
            for name, params in cases.items():
                query = {
                    "meter_id": meter_id,
                    "start": "2025-01-01T00:00:00Z",
                    "end": "2026-01-01T00:00:00Z",
                    **params,
                }
                samples = []
                for attempt in range(6):
                    started = time.perf_counter()
                    response = http.get("/v1/utility_intervals", params=query)
                    response.raise_for_status()
                    if attempt:
                        samples.append((time.perf_counter() - started) * 1000)
                if name == "raw JSON":
                    assert len(response.json()["data"]) == SLOTS
                times[name] = statistics.median(samples)
    return times


async def run_database(name: str, url: str, workdir: Path, meters: int) -> Result:
    result = Result(name)
    db = Database(url)
    try:
        await upgrade_to_head(db)
        client_id, secret, meter_ids = await seed(db, meters)
        result.readings, result.ingest_s = await ingest(db, meter_ids)
        result.rewrite_rate = await rewrite_rate(db, meter_ids[:10])
        if name == "postgresql":
            result.bytes_per_reading = await postgres_bytes(
                url.replace("+asyncpg", ""), result.readings
            )
        else:
            path = Path(url.split("///", 1)[1])
            with sqlite3.connect(path) as connection:
                result.bytes_per_reading = (
                    sqlite_bytes(connection, "utility_interval_days") / result.readings
                )
        _, _, others = await seed(db, meters)
    finally:
        await db.dispose()
    if name == "postgresql":
        plain = url.replace("+asyncpg", "")
        result.ceiling_rate = await ceiling_postgres(plain, others)
        rpr = await row_per_reading_postgres(plain, 10)
    else:
        path = Path(url.split("///", 1)[1])
        result.ceiling_rate = ceiling_sqlite(path, others)
        rpr = row_per_reading_sqlite(path, 10)
    result.row_per_reading_bytes, result.row_per_reading_rate = rpr
    plain_url = url.replace("+asyncpg", "").replace("+aiosqlite", "")
    result.serve_ms = await asyncio.to_thread(
        serve_times, plain_url, workdir, (client_id, secret), meter_ids[0]
    )
    return result


def render(results: list[Result], meters: int) -> str:
    def ok(good: bool) -> str:
        return "met" if good else "MISSED"

    lines = [
        f"Interval storage, {meters} meter-years of 15-minute readings "
        f"({meters * SLOTS:,} readings)",
        "",
        "| | " + " | ".join(r.database for r in results) + " | goal |",
        "|---|" + "---|" * len(results) + "---|",
    ]

    def row(label: str, cells: list[str], goal: str = "") -> None:
        lines.append(f"| {label} | " + " | ".join(cells) + f" | {goal} |")

    row(
        "ingest via upsert_intervals (readings/s)",
        [f"{r.ingest_rate:,.0f}" for r in results],
        f">= {INGEST_GOAL:,} on PostgreSQL",
    )
    row(
        "raw insert ceiling, same packed rows (readings/s)",
        [f"{r.ceiling_rate:,.0f}" for r in results],
    )
    row(
        "re-upsert of stored readings, no-op (readings/s)",
        [f"{r.rewrite_rate:,.0f}" for r in results],
    )
    row(
        "bytes per reading, packed day rows",
        [f"{r.bytes_per_reading:.2f}" for r in results],
        f"<= {BYTES_GOAL}",
    )
    row(
        "bytes per reading, row per reading (10 meter-years)",
        [f"{r.row_per_reading_bytes:.2f}" for r in results],
    )
    row(
        "insert ceiling, row per reading (readings/s)",
        [f"{r.row_per_reading_rate:,.0f}" for r in results],
    )
    for case in ("raw JSON", "raw CSV", "monthly JSON"):
        goal = f"<= {SERVE_GOAL_MS} ms" if case == "raw JSON" else ""
        row(
            f"one meter-year over HTTP, {case} (ms, median)",
            [f"{r.serve_ms.get(case, 0):.0f}" for r in results],
            goal,
        )
    pg = next((r for r in results if r.database == "postgresql"), None)
    lines.append("")
    if pg is not None:
        lines.append(f"PostgreSQL ingest goal: {ok(pg.ingest_rate >= INGEST_GOAL)}")
    lines.append(
        "Serving goal: "
        + ", ".join(
            f"{r.database} {ok(r.serve_ms.get('raw JSON', 1e9) <= SERVE_GOAL_MS)}" for r in results
        )
    )
    lines.append(
        "Bytes goal: "
        + ", ".join(f"{r.database} {ok(r.bytes_per_reading <= BYTES_GOAL)}" for r in results)
    )
    return "\n".join(lines)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--meters", type=int, default=100)
    parser.add_argument("--databases", default="sqlite,postgresql")
    args = parser.parse_args()
    results = []
    with tempfile.TemporaryDirectory(prefix="gridlink-bench-data-") as tmp:
        workdir = Path(tmp)
        for name in args.databases.split(","):
            print(f"… {name}", file=sys.stderr, flush=True)
            if name == "sqlite":
                url = f"sqlite+aiosqlite:///{workdir / 'bench.db'}"
                results.append(asyncio.run(run_database(name, url, workdir, args.meters)))
            else:
                with scratch_postgres() as plain:
                    url = plain.replace("postgresql://", "postgresql+asyncpg://", 1)
                    results.append(asyncio.run(run_database(name, url, workdir, args.meters)))
    print(render(results, args.meters))
    return 0


if __name__ == "__main__":
    sys.exit(main())
