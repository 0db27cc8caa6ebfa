"""Scale-out benchmark (issue 15): 1, 2 and 4 ``gridlink worker`` processes behind 2 API
processes, on a PostgreSQL of its own behind PgBouncer (transaction mode).

Per setup, on a fresh server (tests/own_postgres.py) and the fleet of tests/processes.py (the
one place that says which processes run with which settings):

1. **Sign-ins at 100 in flight**: 100 end users connect at once (connect token, session,
   consent, submit, long-poll to verified, complete; bench/engine.py ``connect``), spread over
   the two API processes: sign-ins/s and each one's time, p50/p99. Their first syncs (24-month
   backfills by default) start as they verify.
2. **Submit → verified while backfills run**: then sign-ins one at a time while those backfills
   are still running, server-side (the attempt's created_at → finished_at).
3. **Backfills/s**: from the first sync's claim to the last credential's ``last_synced_at``.
4. **Peak database connections**: pg_stat_activity on the real server sampled every 100 ms
   (PgBouncer's server connections and the processes' direct ones for LISTEN), this
   sampler's own left out. **CPU seconds** of every process while measured, from /proc.

Once, on the first setup: connect tokens/s through an API process (bench/hot_paths.py, load
from a separate generator process) against the raw driver's transactions/s on the same server,
and cold start (bench/foundation.py). Prints markdown; asserts nothing.

    .venv/bin/python bench/scale.py [--workers 1,2,4] [--sign-ins 100] [--history-months 24]

The sandbox's households sign in at ``sandbox_electric``: GRIDLINK_SYNC_PER_UTILITY_CONCURRENCY
is raised to 40 so the per-utility cap (4 by default, across all workers) is not what limits
the backfills; the sandbox has no utility to be polite to.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import os
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

import asyncpg
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # the tests' fleet and servers

from tests.conftest import TEST_MASTER_KEYS
from tests.own_postgres import OwnPostgres, PgBouncer, free_port
from tests.processes import (
    Fleet,
    children_of,
    claims,
    cpu_seconds,
    create_client,
    fleet_env,
    migrate,
    record_claims,
    start_fleet,
)

from engine import (
    LoadSampler,
    _postgres_durations,
    connect,
    prepared_sessions,
    sign_in_alone,
)
from foundation import Generator, cold_starts
from hot_paths import http_tokens, raw_postgres
from scale_report import API_PROCESSES, Outcome, render

SETTINGS = {"GRIDLINK_SYNC_PER_UTILITY_CONCURRENCY": "40"}


class ConnectionPeak:
    """The most connections pg_stat_activity showed, sampled every 100 ms."""

    def __init__(self, url: str) -> None:
        self.url, self.peak = url, 0
        self._task: asyncio.Task[None] | None = None

    async def _run(self) -> None:
        connection = await asyncpg.connect(self.url)
        try:
            while True:
                count = await connection.fetchval(
                    "SELECT count(*) FROM pg_stat_activity "
                    "WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()"
                )
                self.peak = max(self.peak, int(count))
                await asyncio.sleep(0.1)
        finally:
            await connection.close()

    def __enter__(self) -> ConnectionPeak:
        self._task = asyncio.create_task(self._run())
        return self

    def __exit__(self, *_exc: object) -> None:
        assert self._task is not None
        self._task.cancel()


def _progress(message: str) -> None:
    print(f"... {time.strftime('%H:%M:%S')} {message}", file=sys.stderr, flush=True)


async def _backfills_left(url: str) -> int:
    """Verified credentials whose first sync has not finished."""
    connection = await asyncpg.connect(url)
    try:
        count = await connection.fetchval(
            "SELECT count(*) FROM utility_credentials "
            "WHERE status = 'verified' AND last_synced_at IS NULL"
        )
    finally:
        await connection.close()
    return int(count)


async def _backfill_span(url: str) -> tuple[int, int, float]:
    """Credentials synced, credentials verified, and seconds from the first sync claim to the
    last sync's end."""
    connection = await asyncpg.connect(url)
    try:
        row = await connection.fetchrow(
            "SELECT count(c.last_synced_at) AS n, count(*) AS verified, "
            "extract(epoch FROM max(c.last_synced_at) - "
            "(SELECT min(claimed_at) FROM observed.claims WHERE queue = 'utility_syncs')) AS s "
            "FROM utility_credentials c WHERE c.status = 'verified'"
        )
    finally:
        await connection.close()
    assert row is not None
    return int(row["n"]), int(row["verified"]), float(row["s"] or 0.0)


async def measure(fleet: Fleet, basic: str, url: str, args: argparse.Namespace) -> Outcome:
    outcome = Outcome(len(fleet.workers))
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with contextlib.AsyncExitStack() as stack:
        apis = [
            await stack.enter_async_context(
                httpx.AsyncClient(base_url=api.base, timeout=httpx.Timeout(60.0), limits=limits)
            )
            for api in fleet.apis
        ]
        before = {name: cpu_seconds(pid) for name, pid in _processes(fleet).items()}
        with ConnectionPeak(url) as peak:
            started = time.perf_counter()
            outcome.connections = await asyncio.gather(
                *(connect(apis[n % len(apis)], basic) for n in range(args.sign_ins))
            )
            outcome.wall_s = time.perf_counter() - started
            _progress(
                f"{outcome.workers} workers: {args.sign_ins} sign-ins in {outcome.wall_s:.1f} s"
            )
            ids = [c.attempt_id for c in outcome.connections if c.attempt_id]
            outcome.server_ms = await _postgres_durations(url, ids)
            sessions = await prepared_sessions(apis[0], basic, args.alone)
            alone = []
            for session in sessions:
                if await _backfills_left(url) == 0:
                    break  # only sign-ins that ran while backfills did
                run = await sign_in_alone(apis[len(alone) % len(apis)], session)
                if run.attempt_id:
                    alone.append(run.attempt_id)
            outcome.alone_during_backfills = len(alone)
            outcome.alone_ms = await _postgres_durations(url, alone)
            deadline = time.perf_counter() + args.backfill_seconds
            while time.perf_counter() < deadline:
                if not await _backfills_left(url):
                    break
                await asyncio.sleep(0.5)
            outcome.peak_connections = peak.peak
        outcome.cpu = {
            name: cpu_seconds(pid) - before.get(name, 0.0)
            for name, pid in _processes(fleet).items()
        }
        # A worker syncs in its sync process (ADR 0024): that process's claims are the worker's.
        owner_of = {c: w.process.pid for w in fleet.workers for c in children_of(w.process.pid)}
    outcome.backfills, outcome.verified, outcome.backfill_s = await _backfill_span(url)
    per_pid = Counter(
        owner_of.get(c.pid, c.pid) for c in await claims(url) if c.queue == "utility_syncs"
    )
    outcome.syncs_per_worker = [per_pid[w.process.pid] for w in fleet.workers]
    return outcome


def _processes(fleet: Fleet) -> dict[str, int]:
    """Every process of the fleet by a printable name, the workers' sync processes too."""
    named = {f"{m.role} {m.process.pid}": m.process.pid for m in fleet.members}
    for worker in fleet.workers:
        for child in children_of(worker.process.pid):
            named[f"sync {child}"] = child
    return named


def run_setup(workers: int, workdir: Path, args: argparse.Namespace, first: bool) -> Outcome:
    server = OwnPostgres()
    server.start()
    bouncer = PgBouncer(server.port, pool_size=args.pool_size)
    try:
        env = fleet_env(
            {**os.environ, "GRIDLINK_MASTER_KEYS": TEST_MASTER_KEYS},
            pooled_url=bouncer.url("postgres"),
            direct_url=server.url,
            data_dir=workdir / f"data-{workers}",
        )
        env |= SETTINGS | {"GRIDLINK_SYNC_HISTORY_MONTHS": str(args.history_months)}
        env |= dict(setting.split("=", 1) for setting in args.setting)
        migrate(env)
        asyncio.run(record_claims(server.url))
        pair = create_client(env)
        basic = (
            "Basic "
            + base64.b64encode(f"{pair['client_id']}:{pair['client_secret']}".encode()).decode()
        )
        started = time.perf_counter()
        fleet = start_fleet(
            env, workdir / f"logs-{workers}", apis=API_PROCESSES, workers=workers,
            free_port=free_port,
        )  # fmt: skip
        try:
            fleet_start_s = time.perf_counter() - started
            _progress(f"{workers} workers: fleet ready in {fleet_start_s:.1f} s")
            outcome = asyncio.run(measure(fleet, basic, server.url, args))
            outcome.fleet_start_s = fleet_start_s
            if first:
                generator = Generator("auto", args.seconds, 1)
                outcome.tokens = http_tokens(fleet.apis[0], generator, basic)  # type: ignore[arg-type]
        finally:
            fleet.stop()
        if first:  # the raw driver alone on the server, nothing else running
            outcome.raw_tps = asyncio.run(
                raw_postgres(server.url, pair["client_id"], pair["client_secret"], args.seconds)
            )
        return outcome
    finally:
        bouncer.close()
        server.remove()


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--workers", default="1,2,4", help="worker processes per setup")
    parser.add_argument("--sign-ins", type=int, default=100, help="sign-ins in flight at once")
    parser.add_argument("--alone", type=int, default=40, help="most sign-ins one at a time")
    parser.add_argument("--history-months", type=int, default=24, help="backfill length")
    parser.add_argument("--backfill-seconds", type=float, default=240.0, help="wait at most")
    parser.add_argument("--pool-size", type=int, default=20, help="PgBouncer's server pool")
    parser.add_argument("--seconds", type=int, default=4, help="connect-token throughput run")
    parser.add_argument("--cold-runs", type=int, default=5, help="cold starts (median)")
    parser.add_argument(
        "--setting",
        action="append",
        default=[],
        metavar="GRIDLINK_X=VALUE",
        help="a setting for every process of the fleet, to compare (repeatable)",
    )
    return parser.parse_args()


def main() -> int:
    args = _arguments()
    outcomes = []
    with LoadSampler() as load, tempfile.TemporaryDirectory(prefix="gridlink-scale-") as tmp:
        workdir = Path(tmp)
        cold = cold_starts(workdir, max(args.cold_runs, 1))
        for n, workers in enumerate(int(w) for w in args.workers.split(",")):
            _progress(f"{workers} workers: starting")
            outcomes.append(run_setup(workers, workdir, args, first=n == 0))
    print(render(outcomes, cold, load.samples, args))
    return 0


if __name__ == "__main__":
    sys.exit(main())
