"""Hot paths (issue 15 item 3): connect tokens against the raw driver, a meter-year as JSON,
``gridlink --version`` and cold start.

Real ``gridlink serve`` processes on loopback (the SQLite default, then PostgreSQL on a scratch
database), driven from a separate load-generator process like bench/foundation.py: uvicorn's
HTTP parsing, the middleware and the event loop are part of what production pays per request,
and the server's CPU is read from /proc apart from the generator's. Next to each, the same
writes a connect token makes (client lookup by secret hash, user insert, token insert) through
the raw driver (sqlite3 / asyncpg), one transaction each. Prints a markdown table with the
issue's goals next to it; asserts nothing.

    .venv/bin/python bench/hot_paths.py [--seconds 4] [--databases sqlite,postgresql]

See bench/README.md for what is measured and how to read it.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import hashlib
import os
import platform
import secrets
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import asyncpg
import httpx

from data import seed as seed_meters
from foundation import (
    GRIDLINK,
    Generator,
    Load,
    Server,
    cached_bytecode_env,
    cold_starts,
    free_port,
    http_request,
    process_cpu_seconds,
    running,
    scratch_postgres,
)
from gridlink.connectors.models import IntervalReading
from gridlink.data import service as data_service
from gridlink.kit.db import Database

RAW_RATIO_GOAL = 0.5  # connect tokens/s ≥ 0.5x the raw driver's transactions/s
METER_YEAR_GOAL_MS = 25.0  # CPU per meter-year of hourly readings as JSON
COLD_START_GOAL = 1.0  # seconds to /readyz on the embedded default
CONNECTIONS = 32
PATH = "/v1/auth/connect_token"
HOUR = timedelta(hours=1)
YEAR_START = datetime(2025, 1, 1, tzinfo=UTC)


@dataclass
class Result:
    database: str
    http_rps: float = 0.0
    http_cpu_ms: float = 0.0
    failures: int = 0
    raw_tps: float = 0.0
    bare_rps: float = 0.0  # floor_app.py: FastAPI alone, no database
    core_rps: float = 0.0  # floor_app.py: FastAPI + the writes as SQLAlchemy Core
    meter_year_cpu_ms: float = 0.0
    meter_year_wall_ms: float = 0.0
    meter_year_gzip_cpu_ms: float = 0.0

    @property
    def ratio(self) -> float:
        return self.http_rps / self.raw_tps if self.raw_tps else 0.0

    @property
    def core_ratio(self) -> float:
        return self.core_rps / self.raw_tps if self.raw_tps else 0.0


# The writes of one connect token in create mode, as the service makes them.
_CLIENT_BY_SECRET = (
    "SELECT clients.id, clients.name, clients.environment, clients.allowed_origins, "
    "clients.redirect_uris, clients.sandbox_clock_offset_seconds, client_secrets.id "
    "FROM client_secrets JOIN clients ON clients.id = client_secrets.client_id "
    "WHERE client_secrets.secret_hash = {0} AND client_secrets.client_id = {1} "
    "AND (client_secrets.expires_at IS NULL OR client_secrets.expires_at > {2})"
)
_INSERT_USER = (
    "INSERT INTO users (id, client_id, client_user_id, created_at) VALUES ({0}, {1}, {2}, {3}) "
    "ON CONFLICT (client_id, client_user_id) DO NOTHING RETURNING id"
)
_INSERT_TOKEN = (
    "INSERT INTO connect_tokens (id, client_id, user_id, utility_credential_id, token_hash, mode, "
    "utility_id, products, language, redirect_uri, created_at, expires_at, used_at, operator_id) "
    "VALUES ({0}, {1}, {2}, NULL, {3}, 'create', NULL, {4}, NULL, NULL, {5}, {6}, NULL, NULL)"
)
_PRODUCTS = '["accounts", "statements", "intervals"]'


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def _ids() -> tuple[str, str, str]:
    """A user id, a token id and a token: what the service mints per request."""
    return f"usr_{uuid.uuid4().hex}", f"ctk_{uuid.uuid4().hex}", secrets.token_urlsafe(32)


def raw_sqlite(path: Path, client_id: str, secret: str, seconds: float) -> float:
    """Transactions/s of the connect-token writes through sqlite3, one writer (as the server:
    SQLite has one), with the server's PRAGMAs."""
    connection = sqlite3.connect(path, isolation_level=None)
    for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "foreign_keys=ON"):
        connection.execute(f"PRAGMA {pragma}")
    select = _CLIENT_BY_SECRET.format("?", "?", "?")
    user, token = _INSERT_USER.format("?", "?", "?", "?"), _INSERT_TOKEN.format(*"???????")
    done, end = 0, time.perf_counter() + seconds
    while time.perf_counter() < end:
        now = datetime.now(UTC).replace(tzinfo=None)
        user_id, token_id, value = _ids()
        connection.execute("BEGIN IMMEDIATE")
        row = connection.execute(select, (_digest(secret), client_id, now)).fetchone()
        assert row is not None, "the bench client's secret was not found"
        connection.execute(user, (user_id, client_id, f"raw-{token_id}", now)).fetchone()
        connection.execute(
            token, (token_id, client_id, user_id, _digest(value), _PRODUCTS, now, now + HOUR)
        )
        connection.execute("COMMIT")
        done += 1
    connection.close()
    return done / seconds


async def raw_postgres(url: str, client_id: str, secret: str, seconds: float) -> float:
    """Transactions/s of the connect-token writes through asyncpg, CONNECTIONS at once (as the
    HTTP run), prepared statements (asyncpg's default)."""
    pool = await asyncpg.create_pool(url, min_size=CONNECTIONS, max_size=CONNECTIONS)
    select = _CLIENT_BY_SECRET.format("$1", "$2", "$3")
    user, token = (
        _INSERT_USER.format("$1", "$2", "$3", "$4"),
        _INSERT_TOKEN.format("$1", "$2", "$3", "$4", "$5", "$6", "$7"),
    )
    end = time.perf_counter() + seconds
    counts = [0] * CONNECTIONS

    async def loop(index: int) -> None:
        async with pool.acquire() as connection:
            while time.perf_counter() < end:
                now = datetime.now(UTC)
                user_id, token_id, value = _ids()
                async with connection.transaction():
                    row = await connection.fetchrow(select, _digest(secret), client_id, now)
                    assert row is not None, "the bench client's secret was not found"
                    await connection.fetchval(user, user_id, client_id, f"raw-{token_id}", now)
                    await connection.execute(
                        token, token_id, client_id, user_id, _digest(value), _PRODUCTS, now,
                        now + HOUR,
                    )  # fmt: skip
                counts[index] += 1

    await asyncio.gather(*(loop(i) for i in range(CONNECTIONS)))
    await pool.close()
    return sum(counts) / seconds


class FloorServer:
    """bench/floor_app.py under uvicorn, with the flags ``gridlink serve`` uses."""

    def __init__(self, database_url: str) -> None:
        self.port = free_port()
        self.env = {**os.environ, "FLOOR_DATABASE_URL": database_url}
        self.process: subprocess.Popen[bytes] | None = None

    def __enter__(self) -> FloorServer:
        command = [sys.executable, "-m", "uvicorn", "floor_app:app", "--port", str(self.port)]
        command += ["--http", "httptools", "--loop", "uvloop", "--log-level", "warning"]
        self.process = subprocess.Popen(command, cwd=Path(__file__).parent, env=self.env)
        deadline = time.perf_counter() + 30
        while time.perf_counter() < deadline:
            with contextlib.suppress(OSError):
                http_request(self.port, "GET", "/openapi.json")
                return self
            time.sleep(0.05)
        raise RuntimeError("floor_app did not start")

    def __exit__(self, *_: object) -> None:
        assert self.process is not None
        self.process.terminate()
        self.process.wait(timeout=15)

    def cpu_seconds(self) -> float | None:
        assert self.process is not None
        return process_cpu_seconds(self.process.pid)


def floor_tokens(url: str, generator: Generator, basic: str) -> tuple[float, float]:
    """Requests/s of floor_app's bare endpoint and of its Core connect token."""
    with FloorServer(url) as floor:
        rates = []
        for path in ("/bare", PATH):
            raw, _ = generator.run(floor, Load("POST", path, basic), CONNECTIONS)  # type: ignore[arg-type]
            if raw["errors"] + raw["status_errors"]:
                raise RuntimeError(f"floor_app {path}: {raw}")
            rates.append(raw["requests"] / (raw["duration_us"] / 1e6))
    return rates[0], rates[1]


def http_tokens(server: Server, generator: Generator, basic: str) -> tuple[float, float, int]:
    """Connect tokens/s through the HTTP API, server CPU ms per request, failures."""
    raw, cpu = generator.run(server, Load("POST", PATH, basic), CONNECTIONS)
    requests = max(raw["requests"], 1)
    rps = raw["requests"] / (raw["duration_us"] / 1e6)
    return rps, cpu / requests * 1000, raw["errors"] + raw["status_errors"]


async def seed_meter_year(url: str) -> tuple[str, str, str]:
    """A client with one meter holding a year of hourly readings; (client id, secret, meter)."""
    db = Database(url)
    try:
        client_id, secret, [meter_id] = await seed_meters(db, 1)
        readings = [
            IntervalReading(YEAR_START + i * HOUR, HOUR, Decimal(i * 7919 % 1500).scaleb(-3), "kWh")
            for i in range(365 * 24)
        ]
        async with db.transaction() as session:
            await data_service.upsert_intervals(session, meter_id, readings)
    finally:
        await db.dispose()
    return client_id, secret, meter_id


def meter_year_json(
    server: Server, client: tuple[str, str], meter_id: str, runs: int, encoding: str
) -> tuple[float, float]:
    """Server CPU ms (over all runs: /proc counts in 10 ms ticks) and median wall ms per
    ``GET /v1/utility_intervals`` of the meter-year, raw JSON, with ``Accept-Encoding:
    encoding`` (``identity``: the JSON alone; ``gzip``: plus kit/compression.py's level 6)."""
    query = {
        "meter_id": meter_id,
        "start": YEAR_START.isoformat(),
        "end": (YEAR_START + timedelta(days=365)).isoformat(),
        "resolution": "raw",
        "format": "json",
    }
    base = f"http://127.0.0.1:{server.port}"
    walls = []
    headers = {"Accept-Encoding": encoding}
    with httpx.Client(base_url=base, auth=client, timeout=60, headers=headers) as http:
        for _ in range(2):  # warm-ups, and the answer checked
            response = http.get("/v1/utility_intervals", params=query)
            response.raise_for_status()
            assert len(response.json()["data"]) == 365 * 24, "not a meter-year of hours"
        before = server.cpu_seconds()
        for _ in range(runs):
            started = time.perf_counter()
            http.get("/v1/utility_intervals", params=query).raise_for_status()
            walls.append((time.perf_counter() - started) * 1000)
        after = server.cpu_seconds()
    assert before is not None
    assert after is not None
    return (after - before) * 1000 / runs, statistics.median(walls)


def run_database(
    name: str, url: str | None, workdir: Path, generator: Generator, seconds: float, runs: int
) -> Result:
    data_dir = workdir / name
    result = Result(name)
    db_url = url or f"sqlite+aiosqlite:///{data_dir / 'gridlink.db'}"
    with running(data_dir, url) as server:
        client_id, secret = server.create_client()
        basic = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        result.http_rps, result.http_cpu_ms, result.failures = http_tokens(server, generator, basic)
        print(f"  {name}: HTTP {result.http_rps:,.0f} tokens/s", file=sys.stderr, flush=True)
        data_client, data_secret, meter_id = asyncio.run(seed_meter_year(db_url))
        year = (server, (data_client, data_secret), meter_id, runs)
        result.meter_year_cpu_ms, result.meter_year_wall_ms = meter_year_json(*year, "identity")
        result.meter_year_gzip_cpu_ms = meter_year_json(*year, "gzip")[0]
    result.bare_rps, result.core_rps = floor_tokens(db_url, generator, basic)
    print(f"  {name}: floor {result.bare_rps:,.0f} / {result.core_rps:,.0f} req/s", file=sys.stderr)
    # The raw driver runs with the servers stopped, so they never share the CPU.
    if url is None:
        result.raw_tps = raw_sqlite(data_dir / "gridlink.db", client_id, secret, seconds)
    else:
        result.raw_tps = asyncio.run(raw_postgres(url, client_id, secret, seconds))
    print(f"  {name}: raw driver {result.raw_tps:,.0f} tx/s", file=sys.stderr, flush=True)
    return result


def version_times(runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        subprocess.run([GRIDLINK, "--version"], check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return times


# What any FastAPI + SQLAlchemy service imports before a line of its own runs.
FLOOR_IMPORTS = "fastapi, pydantic, sqlalchemy.ext.asyncio, sqlalchemy.orm, httpx, uvicorn"


def import_floor(runs: int, env: dict[str, str]) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        command = [sys.executable, "-c", f"import {FLOOR_IMPORTS}"]
        subprocess.run(command, check=True, env=env)
        times.append(time.perf_counter() - started)
    return times


def cold_start_times(workdir: Path, runs: int) -> tuple[str, list[float], dict[str, str]]:
    """As installed, Python reads compiled bytecode; where PYTHONDONTWRITEBYTECODE forbids the
    cache (this sandbox), every start would compile Gridlink's modules from source: measure
    from a bytecode cache filled by a first start, as foundation.py does."""
    if not os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return "bytecode cached", cold_starts(workdir, runs), dict(os.environ)
    env = cached_bytecode_env(workdir / "pycache")
    cold_starts(workdir, 1, env)  # fills the cache; not counted
    return "bytecode cached after a first start", cold_starts(workdir, runs, env), env


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def render(
    results: list[Result],
    version: list[float],
    cold: tuple[str, list[float]],
    floor: list[float],
    seconds: int,
) -> str:
    cold_label, cold_times = cold
    lines = [
        f"Gridlink hot paths — {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f}; {CONNECTIONS} connections, {seconds} s per "
        "throughput row after a warm-up.",
        "",
        "| database | connect tokens/s (HTTP) | raw driver tx/s | ratio | server CPU ms/token "
        "| floor: FastAPI alone req/s | floor: FastAPI + Core tokens/s (ratio) "
        "| meter-year JSON CPU ms | wall ms (median) | gzipped: CPU ms |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        failed = f" ({r.failures} failed)" if r.failures else ""
        lines.append(
            f"| {r.database} | {r.http_rps:,.0f}{failed} | {r.raw_tps:,.0f} | {r.ratio:.2f}x "
            f"| {r.http_cpu_ms:.2f} | {r.bare_rps:,.0f} | {r.core_rps:,.0f} "
            f"({r.core_ratio:.2f}x) | {r.meter_year_cpu_ms:.1f} "
            f"| {r.meter_year_wall_ms:.1f} | {r.meter_year_gzip_cpu_ms:.1f} |"
        )
    worst_ratio = min((r.ratio for r in results), default=0.0)
    worst_year = max((r.meter_year_cpu_ms for r in results), default=0.0)
    version_ms, cold_s = statistics.median(version) * 1000, statistics.median(cold_times)
    lines += [
        "",
        f"- `gridlink --version`: median {version_ms:.0f} ms wall "
        f"({', '.join(f'{t * 1000:.0f}' for t in version)})",
        f"- cold start (`gridlink serve`, new SQLite folder → /readyz 200, {cold_label}): "
        f"median {cold_s:.2f} s ({', '.join(f'{t:.2f}' for t in cold_times)})",
        f"- floor of a start: `python -c 'import {FLOOR_IMPORTS}'` alone, median "
        f"{statistics.median(floor):.2f} s ({', '.join(f'{t:.2f}' for t in floor)})",
        "",
        "Goals (issue 15 item 3; reported, never asserted):",
        f"- connect tokens ≥ {RAW_RATIO_GOAL}x the raw driver: lowest {worst_ratio:.2f}x — "
        f"{_verdict(worst_ratio >= RAW_RATIO_GOAL)}",
        f"- meter-year JSON ≤ {METER_YEAR_GOAL_MS:.0f} ms CPU: highest {worst_year:.1f} ms — "
        f"{_verdict(worst_year <= METER_YEAR_GOAL_MS)}",
        f"- cold start ≤ {COLD_START_GOAL} s: {cold_s:.2f} s — "
        f"{_verdict(cold_s <= COLD_START_GOAL)}",
        f"- `gridlink --version` instant (≤ 100 ms): {version_ms:.0f} ms — "
        f"{_verdict(version_ms <= 100)}",
    ]
    return "\n".join(lines)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=4, help="measured seconds per throughput")
    parser.add_argument("--warmup", type=int, default=1, help="warm-up seconds before HTTP runs")
    parser.add_argument("--runs", type=int, default=20, help="meter-year requests")
    parser.add_argument("--cold-runs", type=int, default=5, help="cold starts (median)")
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated")
    return parser.parse_args()


def main() -> int:
    args = _arguments()
    if not GRIDLINK.exists():
        raise SystemExit(f"{GRIDLINK} is missing: run `make install` first")
    generator = Generator(args.generator, args.seconds, args.warmup)
    version = version_times(max(args.cold_runs, 1))
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="gridlink-hot-") as tmp:
        workdir = Path(tmp)
        label, times, env = cold_start_times(workdir, max(args.cold_runs, 1))
        cold = (label, times)
        floor = import_floor(max(args.cold_runs, 1), env)
        for database in args.databases.split(","):
            if database == "sqlite":
                results.append(
                    run_database("sqlite", None, workdir, generator, args.seconds, args.runs)
                )
            elif database == "postgresql":
                with scratch_postgres() as url:
                    results.append(
                        run_database("postgresql", url, workdir, generator, args.seconds, args.runs)
                    )
            else:
                raise SystemExit(f"unknown database {database!r}")
    print(render(results, version, cold, floor, args.seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
