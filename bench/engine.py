"""Connection engine benchmark (issue 4): credential submit → ``verified``, and 100 concurrent
sandbox connections.

Against real ``gridlink serve`` processes (bench/foundation.py starts them): the SQLite default
with its in-process worker, a scratch PostgreSQL database with the in-process worker, and a
scratch PostgreSQL database with ``serve`` running no worker plus one standalone
``gridlink worker``. The widget is played over HTTP with httpx, as tests/attempts/flows.py does.

1. **Submit → verified, one at a time**: up to N sign-ins of ``user_good`` (or as many as fit in
   a time budget), each with its own end user, connect token and session (made beforehand,
   unmeasured). Server-side: the attempt's ``created_at`` to its ``finished_at`` (read from
   ``connection_attempts`` after the run). Client-observed: ``POST /connect/api/attempts`` until
   the long-poll answers ``verified``.
2. **Concurrent connections**: C end users connect at once (connect token, session, consent,
   submit, long-poll to verified, complete), each its own task on one httpx.AsyncClient.

Prints markdown tables with the issue's goal next to them; asserts nothing.

    .venv/bin/python bench/engine.py [--sign-ins 200] [--sign-in-seconds 45] [--connections 100]
        [--setups sqlite,postgresql,postgresql-split]
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import os
import platform
import signal
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import asyncpg
import httpx

from foundation import (
    GRIDLINK,
    Server,
    bytecode_is_cached,
    cached_bytecode_env,
    running,
    scratch_postgres,
)

P50_GOAL_MS = 50.0  # submit → verified, server-side, no artificial delay
UTILITY_ID = "sandbox_electric"
USERNAME, PASSWORD = "user_good", "pass_good"
FINISHED = {"verified", "rejected", "timeout", "error", "pending"}
CONNECTION_DEADLINE = 60.0  # seconds one connection may take before it counts as stalled


@dataclass(frozen=True)
class Setup:
    key: str
    label: str
    postgres: bool
    split: bool  # serve without its worker, plus one standalone `gridlink worker`


SETUPS = (
    Setup("sqlite", "SQLite, serve (in-process worker)", postgres=False, split=False),
    Setup("postgresql", "PostgreSQL, serve (in-process worker)", postgres=True, split=False),
    Setup(
        "postgresql-split",
        "PostgreSQL, serve --no-worker + 1 gridlink worker",
        postgres=True,
        split=True,
    ),
)


@dataclass
class Deployment:
    setup: Setup
    server: Server
    basic: str
    database_url: str | None
    data_dir: Path
    worker: subprocess.Popen[bytes] | None = None

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server.port}"

    def cpu_seconds(self) -> float:
        """CPU used so far by the server and the standalone worker, if any (Linux only)."""
        total = self.server.cpu_seconds() or 0.0
        if self.worker is not None:
            with contextlib.suppress(OSError):
                stat = Path(f"/proc/{self.worker.pid}/stat").read_text().rsplit(")", 1)[1]
                fields = stat.split()
                total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
        return total


@dataclass
class Connection:
    """One end user's way through Connect; times from time.perf_counter()."""

    started: float = 0.0
    submitted: float = 0.0
    verified: float = 0.0
    done: float = 0.0
    attempt_id: str | None = None
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.done > 0


@dataclass
class Result:
    setup: Setup
    serial_runs: int = 0
    serial_client_ms: list[float] = field(default_factory=list)
    serial_server_ms: list[float] = field(default_factory=list)
    serial_failures: list[str] = field(default_factory=list)
    serial_cpu_ms: float = 0.0  # server (+ worker) CPU per sign-in
    concurrent: list[Connection] = field(default_factory=list)
    concurrent_wall: float = 0.0
    concurrent_server_ms: list[float] = field(default_factory=list)
    concurrent_cpu_ms: float = 0.0  # server (+ worker) CPU per connection


class Failed(Exception):
    """A step of the flow answered something other than what the widget expects."""


def _expect(response: httpx.Response, step: str) -> dict[str, Any]:
    if response.status_code != 200:
        try:
            error = response.json()["error"]
            why = f"{error['code']}: {error['message']}"
        except (ValueError, KeyError, TypeError):
            why = response.text[:200]
        raise Failed(f"{step} → {response.status_code} {why}")
    body: dict[str, Any] = response.json()
    return body


async def _prepare(http: httpx.AsyncClient, basic: str, user: str) -> dict[str, str]:
    """Connect token, session and consent: everything before the credentials screen."""
    token = _expect(
        await http.post(
            "/v1/auth/connect_token",
            json={"client_user_id": user, "utility_id": UTILITY_ID},
            headers={"Authorization": basic},
        ),
        "POST /v1/auth/connect_token",
    )["connect_token"]
    started = _expect(
        await http.post("/connect/api/sessions", json={"connect_token": token}),
        "POST /connect/api/sessions",
    )
    headers = {"Authorization": f"Bearer {started['session_token']}"}
    session = started["session"]
    if session["step"] == "consent":
        session = _expect(
            await http.post(
                "/connect/api/session/consent",
                json={"consent_version": session["consent_version"]},
                headers=headers,
            ),
            "POST /connect/api/session/consent",
        )
    if session["step"] != "credentials":
        raise Failed(f"session opened at step {session['step']!r}, not 'credentials'")
    return headers


async def _sign_in(http: httpx.AsyncClient, headers: dict[str, str], run: Connection) -> None:
    """Submit the credentials and long-poll until the attempt is finished."""
    run.submitted = time.perf_counter()
    attempt = _expect(
        await http.post(
            "/connect/api/attempts",
            json={"username": USERNAME, "password": PASSWORD},
            headers=headers,
        ),
        "POST /connect/api/attempts",
    )
    run.attempt_id = attempt["id"]
    while attempt["status"] not in FINISHED:
        if time.perf_counter() - run.submitted > CONNECTION_DEADLINE:
            raise Failed(f"stalled in {attempt['status']} for {CONNECTION_DEADLINE:.0f} s")
        attempt = _expect(
            await http.get(
                f"/connect/api/attempts/{attempt['id']}",
                params={"after_seq": attempt["seq"], "wait": 25},
                headers=headers,
            ),
            "GET /connect/api/attempts/{id}",
        )
    if attempt["status"] != "verified":
        raise Failed(f"attempt ended {attempt['status']} ({attempt['status_detail']})")
    run.verified = time.perf_counter()


@contextlib.contextmanager
def _recorded(run: Connection) -> Iterator[None]:
    """Turn what went wrong into the run's error instead of raising."""
    try:
        yield
    except Failed as failure:
        run.error = str(failure)
    except httpx.HTTPError as error:
        run.error = f"{type(error).__name__}: {error!r}"


async def connect(http: httpx.AsyncClient, basic: str) -> Connection:
    """One end user connects ``user_good``, start to finish, as the widget does."""
    run = Connection(started=time.perf_counter())
    with _recorded(run):
        headers = await _prepare(http, basic, f"bench-{uuid.uuid4().hex}")
        await _sign_in(http, headers, run)
        completion = _expect(
            await http.post(f"/connect/api/attempts/{run.attempt_id}/complete", headers=headers),
            "POST /connect/api/attempts/{id}/complete",
        )
        if not completion.get("authorization_code"):
            raise Failed("completion carried no authorization_code")
        run.done = time.perf_counter()
    return run


async def prepared_sessions(http: httpx.AsyncClient, basic: str, count: int) -> list[Any]:
    """Sessions at the credentials screen, made ahead (10 at a time) so that the one-at-a-time
    sign-ins run with nothing else going on; a failure is kept as its Connection."""

    async def one() -> dict[str, str] | Connection:
        run = Connection()
        with _recorded(run):
            return await _prepare(http, basic, f"bench-{uuid.uuid4().hex}")
        return run

    sessions: list[Any] = []
    for start in range(0, count, 10):
        sessions += await asyncio.gather(*(one() for _ in range(min(10, count - start))))
    return sessions


async def sign_in_alone(
    http: httpx.AsyncClient, prepared: dict[str, str] | Connection
) -> Connection:
    if isinstance(prepared, Connection):
        return prepared
    run = Connection(started=time.perf_counter())
    with _recorded(run):
        await _sign_in(http, prepared, run)
        run.done = time.perf_counter()
    return run


# --- server-side times, from the database ---------------------------------------------------


def _sqlite_durations(path: Path, ids: list[str]) -> list[float]:
    wanted = set(ids)
    with contextlib.closing(sqlite3.connect(f"file:{path}?mode=ro", uri=True)) as db:
        rows = db.execute(
            "SELECT id, created_at, finished_at FROM connection_attempts "
            "WHERE finished_at IS NOT NULL"
        ).fetchall()
    # Stored as naive UTC text (models/base.py UTCDateTime); both ends are UTC.
    return [
        (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds() * 1000
        for attempt_id, start, end in rows
        if attempt_id in wanted
    ]


async def _postgres_durations(url: str, ids: list[str]) -> list[float]:
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT created_at, finished_at FROM connection_attempts "
            "WHERE id = ANY($1::text[]) AND finished_at IS NOT NULL",
            ids,
        )
    finally:
        await connection.close()
    return [(r["finished_at"] - r["created_at"]).total_seconds() * 1000 for r in rows]


async def server_side_ms(deployment: Deployment, ids: list[str]) -> list[float]:
    if not ids:
        return []
    if deployment.database_url is None:
        return _sqlite_durations(deployment.data_dir / "gridlink.db", ids)
    return await _postgres_durations(deployment.database_url, ids)


# --- the runs -------------------------------------------------------------------------------


async def measure(deployment: Deployment, args: argparse.Namespace) -> Result:
    result = Result(deployment.setup)
    limits = httpx.Limits(max_connections=None, max_keepalive_connections=None)
    async with httpx.AsyncClient(
        base_url=deployment.base_url, timeout=httpx.Timeout(40.0), limits=limits
    ) as http:
        # Warm-up: first requests compile routes, fill pools, and (split) prove the worker runs.
        for _ in range(args.warmup):
            await connect(http, deployment.basic)
        await asyncio.gather(*(connect(http, deployment.basic) for _ in range(args.warmup)))
        key = deployment.setup.key
        _progress(f"{key}: preparing {args.sign_ins} sessions")
        sessions = await prepared_sessions(http, deployment.basic, args.sign_ins)
        _progress(f"{key}: {args.sign_ins} sign-ins one at a time")
        await asyncio.sleep(0.5)  # let the preparation's after-work settle
        cpu = deployment.cpu_seconds()
        budget_ends = time.perf_counter() + args.sign_in_seconds
        ids = []
        for prepared in sessions:
            if time.perf_counter() > budget_ends:
                break  # bounded runtime: the table says how many ran
            run = await sign_in_alone(http, prepared)
            result.serial_runs += 1
            if run.ok:
                result.serial_client_ms.append((run.verified - run.submitted) * 1000)
            else:
                result.serial_failures.append(run.error or "unfinished")
            if run.attempt_id is not None:
                ids.append(run.attempt_id)
        result.serial_cpu_ms = (deployment.cpu_seconds() - cpu) * 1000 / max(result.serial_runs, 1)
        result.serial_server_ms = await server_side_ms(deployment, ids)
        _progress(f"{key}: sign-ins done")
        _progress(f"{key}: {args.connections} concurrent connections")
        await asyncio.sleep(0.5)
        cpu = deployment.cpu_seconds()
        started = time.perf_counter()
        result.concurrent = await asyncio.gather(
            *(connect(http, deployment.basic) for _ in range(args.connections))
        )
        ended = time.perf_counter()
        result.concurrent_wall = ended - started
        result.concurrent_cpu_ms = (deployment.cpu_seconds() - cpu) * 1000 / args.connections
        done = [r.attempt_id for r in result.concurrent if r.attempt_id is not None]
        result.concurrent_server_ms = await server_side_ms(deployment, done)
        _progress(f"{key}: concurrent connections done")
    return result


@contextlib.contextmanager
def standalone_worker(server: Server, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """One ``gridlink worker`` on the server's database and key file (its data folder)."""
    env = {**server.env, "GRIDLINK_MIGRATE_ON_START": "false"}
    with log.open("wb") as stderr:
        worker = subprocess.Popen(
            [GRIDLINK, "worker"], env=env, stdout=subprocess.DEVNULL, stderr=stderr
        )
    try:
        yield worker
    finally:
        if worker.poll() is None:
            worker.send_signal(signal.SIGINT)
            try:
                worker.wait(timeout=15)
            except subprocess.TimeoutExpired:
                worker.kill()
                worker.wait()


@contextlib.contextmanager
def deployed(setup: Setup, workdir: Path, base_env: dict[str, str]) -> Iterator[Deployment]:
    data_dir = workdir / setup.key
    # GRIDLINK_RUN_WORKER=false is what `gridlink serve --no-worker` sets (cli.py `_serve`);
    # foundation.Server always launches plain `gridlink serve`.
    env = {**base_env, "GRIDLINK_RUN_WORKER": "false"} if setup.split else base_env
    with contextlib.ExitStack() as stack:
        url = stack.enter_context(scratch_postgres()) if setup.postgres else None
        server = stack.enter_context(running(data_dir, url, env))
        worker = None
        if setup.split:
            log = workdir / f"{setup.key}-worker.log"
            worker = stack.enter_context(standalone_worker(server, log))
        client_id, secret = server.create_client()
        basic = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
        yield Deployment(setup, server, basic, url, data_dir, worker)


# --- the report -----------------------------------------------------------------------------


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _ms(values: list[float]) -> str:
    return f"{statistics.median(values):.1f} / {_percentile(values, 0.99):.1f}" if values else "-"


def _failures(failures: list[str]) -> list[str]:
    return [f"  - {count} x {error}" for error, count in Counter(failures).most_common(5)]


def render(results: list[Result], args: argparse.Namespace, loads: list[float]) -> str:
    lines = [
        f"Gridlink connection engine bench — {os.cpu_count()} cores, Python "
        f"{platform.python_version()}, load average (1 min) {min(loads):.1f} to {max(loads):.1f} "
        f"while it ran; client: httpx.AsyncClient in this process; `{USERNAME}` at "
        f"`{UTILITY_ID}`; GRIDLINK_LOG_LEVEL=warning.",
        "",
        "Credential submit → `verified`, sign-ins one at a time, each its own end user and "
        f"session (at most {args.sign_ins} or {args.sign_in_seconds:.0f} s; ms, p50 / p99):",
        "",
        "| deployment | sign-ins | server-side (created_at → finished_at) | client-observed "
        "(POST attempts → long-poll verified) | failed | CPU ms per sign-in |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    notes = []
    for r in results:
        lines.append(
            f"| {r.setup.label} | {r.serial_runs} | {_ms(r.serial_server_ms)} "
            f"| {_ms(r.serial_client_ms)} "
            f"| {len(r.serial_failures)} | {r.serial_cpu_ms:.0f} |"
        )
        if r.serial_failures:
            notes += [f"- {r.setup.label}, one at a time:", *_failures(r.serial_failures)]
    lines += [
        "",
        f"{args.connections} concurrent connections, each its own end user, connect token and "
        "session (token, session, consent, submit, long-poll to verified, complete; ms p50 / p99):",
        "",
        "| deployment | succeeded | wall s | connections/s | per connection | slowest "
        "| submit → verified, server-side | CPU ms per connection |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in results:
        ok = [c for c in r.concurrent if c.ok]
        per = [(c.done - c.started) * 1000 for c in ok]
        rate = len(ok) / r.concurrent_wall if r.concurrent_wall > 0 else 0.0
        slowest = f"{max(per):.0f}" if per else "-"
        lines.append(
            f"| {r.setup.label} | {len(ok)}/{len(r.concurrent)} | {r.concurrent_wall:.2f} "
            f"| {rate:.1f} | {_ms(per)} | {slowest} | {_ms(r.concurrent_server_ms)} "
            f"| {r.concurrent_cpu_ms:.0f} |"
        )
        errors = [c.error or "unfinished" for c in r.concurrent if not c.ok]
        if errors:
            notes += [f"- {r.setup.label}, concurrent:", *_failures(errors)]
    lines += [
        "",
        "CPU: user + system of `gridlink serve` (and `gridlink worker`) from /proc, divided by the "
        "sign-ins or connections; throughput while CPU-bound is about 1000 / that per core.",
        "",
        f"Goal (issue 4; reported, never asserted): submit → verified p50 ≤ {P50_GOAL_MS:.0f} ms "
        "server-side with no artificial delay (the sandbox's `user_good` has none):",
    ]
    for r in results:
        if r.serial_server_ms:
            p50 = statistics.median(r.serial_server_ms)
            verdict = "met" if p50 <= P50_GOAL_MS else "MISSED"
            lines.append(f"- {r.setup.label}: {p50:.1f} ms — {verdict}")
    if notes:
        lines += ["", "Failures:", *notes]
    return "\n".join(lines)


class LoadSampler:
    """The 1-minute load average every 2 s while the bench runs."""

    def __init__(self) -> None:
        self.samples = [os.getloadavg()[0]]
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.wait(2.0):
            self.samples.append(os.getloadavg()[0])

    def __enter__(self) -> LoadSampler:
        self._thread.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append(os.getloadavg()[0])


BENCH_STARTED = time.perf_counter()


def _progress(message: str) -> None:
    elapsed = time.perf_counter() - BENCH_STARTED
    print(f"... {elapsed:5.1f} s  {message}", file=sys.stderr, flush=True)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--sign-ins", type=int, default=200, help="one-at-a-time sign-ins")
    parser.add_argument(
        "--sign-in-seconds",
        type=float,
        default=45.0,
        help="time budget of the one-at-a-time sign-ins per deployment",
    )
    parser.add_argument("--connections", type=int, default=100, help="concurrent connections")
    parser.add_argument("--warmup", type=int, default=5, help="warm-up connections per server")
    keys = ",".join(s.key for s in SETUPS)
    parser.add_argument("--setups", default=keys, help=f"comma-separated, of {keys}")
    return parser.parse_args()


def main() -> int:
    args = _arguments()
    if not GRIDLINK.exists():
        raise SystemExit(f"{GRIDLINK} is missing: run `make install` first")
    chosen = [s for s in SETUPS if s.key in args.setups.split(",")]
    try:
        import uvloop

        run_async: Any = uvloop.run
    except ImportError:  # pragma: no cover
        run_async = asyncio.run
    results = []
    with LoadSampler() as load, tempfile.TemporaryDirectory(prefix="gridlink-bench-") as tmp:
        workdir = Path(tmp)
        base_env = dict(os.environ)
        if not bytecode_is_cached():  # as foundation.py: compile once, then start from the cache
            base_env = cached_bytecode_env(workdir / "pycache")
        for setup in chosen:
            _progress(f"{setup.key}: starting")
            with deployed(setup, workdir, base_env) as deployment:
                _progress(f"{setup.key}: started; warming up")
                results.append(run_async(measure(deployment, args)))
    print(render(results, args, load.samples))
    return 0


if __name__ == "__main__":
    sys.exit(main())
