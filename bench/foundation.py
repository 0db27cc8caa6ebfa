"""Foundation benchmark (issue 2): connect-token creation vs. a trivial endpoint; cold start.

Starts real ``gridlink serve`` processes (the SQLite default, then PostgreSQL on a scratch
database) and drives them from a separate load-generator process: ``wrk`` when installed, else
bench/loadgen.py. Prints a markdown table with the issue's goals next to it; asserts nothing.

    .venv/bin/python bench/foundation.py [--seconds 4] [--warmup 1] [--generator auto]

See bench/README.md for what is measured and how to read it.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import http.client
import json
import os
import platform
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GRIDLINK = ROOT / ".venv" / "bin" / "gridlink"
PYTHON = ROOT / ".venv" / "bin" / "python"
LUA_SCRIPT = Path(__file__).resolve().parent / "wrk_request.lua"
LOADGEN = Path(__file__).resolve().parent / "loadgen.py"
POSTGRES_ADMIN_URL = os.environ.get(
    "GRIDLINK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
CONCURRENCY = (1, 32)
THROUGHPUT_GOAL = 0.5  # connect-token creation ≥ 0.5x the trivial endpoint's req/s
COLD_START_GOAL = 1.5  # seconds
HEALTHZ = "GET /healthz"
CONNECT_TOKEN_PATH = "/v1/auth/connect_token"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def http_request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[int, bytes]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        connection.request(method, path, body=body, headers=headers or {})
        response = connection.getresponse()
        return response.status, response.read()
    finally:
        connection.close()


def bytecode_is_cached() -> bool:
    """False when Python may neither read nor write .pyc files for the installed packages,
    so every start compiles FastAPI, SQLAlchemy, Alembic ... from source."""
    if not os.environ.get("PYTHONDONTWRITEBYTECODE"):
        return True  # the first start writes them; later starts read them
    site = next((ROOT / ".venv" / "lib").glob("python3*/site-packages/fastapi"), None)
    return site is not None and (site / "__pycache__").is_dir()


def cached_bytecode_env(cache: Path) -> dict[str, str]:
    """Environment in which starts after the first read compiled bytecode from ``cache``."""
    env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(cache)
    return env


def process_cpu_seconds(pid: int) -> float | None:
    """User + system CPU a running process has used so far, from /proc (None off Linux)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class Server:
    """One ``gridlink serve`` subprocess on a free port with its own data folder."""

    def __init__(
        self,
        data_dir: Path,
        database_url: str | None = None,
        base_env: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.env = {
            **(base_env or os.environ),
            "GRIDLINK_DATA_DIR": str(data_dir),
            "GRIDLINK_LOG_LEVEL": "warning",
        }
        self.env.pop("GRIDLINK_DATABASE_URL", None)
        if database_url:
            self.env["GRIDLINK_DATABASE_URL"] = database_url
        self.log = data_dir.parent / f"{data_dir.name}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> float:
        """Launch, wait for /readyz to answer 200, return the seconds that took."""
        started = time.perf_counter()
        with self.log.open("wb") as log:
            self.process = subprocess.Popen(
                [GRIDLINK, "serve", "--port", str(self.port)],
                env=self.env,
                stdout=subprocess.DEVNULL,  # the banner shows the sandbox secret: keep it out
                stderr=log,
            )
        while time.perf_counter() < started + 60:
            if self.process.poll() is not None:
                raise RuntimeError(f"gridlink serve exited:\n{self.log.read_text()}")
            with contextlib.suppress(OSError):
                if http_request(self.port, "GET", "/readyz")[0] == 200:
                    return time.perf_counter() - started
            time.sleep(0.01)
        raise RuntimeError(f"gridlink serve was not ready within 60 s:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.send_signal(signal.SIGINT)
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def cpu_seconds(self) -> float | None:
        """User + system CPU the server process has used so far (Linux only)."""
        assert self.process is not None
        return process_cpu_seconds(self.process.pid)

    def create_client(self) -> tuple[str, str]:
        command = [str(GRIDLINK), "clients", "create", "bench", "--origin", "https://bench.example"]
        out = subprocess.run(
            [*command, "--json"], env=self.env, check=True, capture_output=True
        ).stdout
        created = json.loads(out)
        return created["client_id"], created["client_secret"]


@contextlib.contextmanager
def running(
    data_dir: Path, database_url: str | None = None, base_env: dict[str, str] | None = None
) -> Iterator[Server]:
    server = Server(data_dir, database_url, base_env)
    try:
        server.start()
        yield server
    finally:
        server.stop()


@dataclass(frozen=True)
class Load:
    method: str
    path: str
    auth: str


@dataclass(frozen=True)
class Measurement:
    database: str
    endpoint: str
    auth: str
    concurrency: int
    rps: float
    p50_ms: float
    p99_ms: float
    failures: int
    cpu_ms: float | None  # server CPU per request


class Generator:
    """Runs each load in a separate process: a warm-up run, then the measured run."""

    def __init__(self, choice: str, seconds: int, warmup: int) -> None:
        wrk = shutil.which("wrk")
        if choice == "wrk" and wrk is None:
            raise SystemExit("wrk is not installed: apt-get install -y wrk (or --generator python)")
        self.wrk = wrk if choice in ("auto", "wrk") else None
        self.seconds, self.warmup = seconds, warmup

    def describe(self) -> str:
        if self.wrk:
            version = subprocess.run([self.wrk, "-v"], capture_output=True, text=True, check=False)
            first = (version.stdout or version.stderr or "wrk").splitlines()[0].split(" [")[0]
            return f"{first} (1 thread, bench/wrk_request.lua)"
        return "bench/loadgen.py (asyncio + uvloop, raw keep-alive HTTP/1.1)"

    def command(self, port: int, connections: int, seconds: int) -> list[str]:
        if self.wrk:
            wrk = [self.wrk, "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
            return [*wrk, "-s", str(LUA_SCRIPT), f"http://127.0.0.1:{port}"]
        loadgen = [str(PYTHON), str(LOADGEN), "--port", str(port), "--seconds", str(seconds)]
        return [*loadgen, "--connections", str(connections)]

    def run(self, server: Server, load: Load, connections: int) -> tuple[dict[str, int], float]:
        """Returns the generator's counts and the server CPU seconds of the measured run."""
        self._once(server.port, load, connections, self.warmup)
        before = server.cpu_seconds()
        raw = self._once(server.port, load, connections, self.seconds)
        after = server.cpu_seconds()
        return raw, (after - before) if before is not None and after is not None else -1.0

    def _once(self, port: int, load: Load, connections: int, seconds: int) -> dict[str, int]:
        # Both generators read the request shape from the environment (it keeps the secret off
        # the command line); every run gets a fresh prefix, so client_user_ids never repeat.
        env = {**os.environ, "BENCH_METHOD": load.method, "BENCH_PATH": load.path}
        env |= {"BENCH_AUTH": load.auth, "BENCH_PREFIX": uuid.uuid4().hex[:12]}
        out = subprocess.run(
            self.command(port, connections, seconds),
            env=env,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        return dict(json.loads(out.strip().splitlines()[-1]))


def access_token(port: int, basic: str) -> str:
    status, body = http_request(
        port,
        "POST",
        "/v1/auth/token",
        b"grant_type=client_credentials",
        {"Authorization": basic, "Content-Type": "application/x-www-form-urlencoded"},
    )
    if status != 200:
        raise RuntimeError(f"POST /v1/auth/token answered {status}: {body[:200]!r}")
    token: str = json.loads(body)["access_token"]
    return token


def loads_for(port: int, client_id: str, secret: str) -> list[tuple[str, str, Load]]:
    basic = "Basic " + base64.b64encode(f"{client_id}:{secret}".encode()).decode()
    bearer = "Bearer " + access_token(port, basic)
    loads = [
        (HEALTHZ, "none", Load("GET", "/healthz", "")),
        (f"POST {CONNECT_TOKEN_PATH}", "basic", Load("POST", CONNECT_TOKEN_PATH, basic)),
        (f"POST {CONNECT_TOKEN_PATH}", "bearer", Load("POST", CONNECT_TOKEN_PATH, bearer)),
    ]
    for _, auth, load in loads:  # fail loudly before measuring if a request shape is wrong
        body = json.dumps({"client_user_id": f"check-{auth}"}).encode()
        headers = {"Authorization": load.auth, "Content-Type": "application/json"}
        status, answer = http_request(
            port, load.method, load.path, body if load.method == "POST" else None, headers
        )
        if status != 200:
            raise RuntimeError(f"{load.method} {load.path} ({auth}) answered {status}: {answer!r}")
    return loads


def measure_server(database: str, server: Server, generator: Generator) -> list[Measurement]:
    rows = []
    for endpoint, auth, load in loads_for(server.port, *server.create_client()):
        for connections in CONCURRENCY:
            raw, cpu = generator.run(server, load, connections)
            requests = max(raw["requests"], 1)
            row = Measurement(
                database=database,
                endpoint=endpoint,
                auth=auth,
                concurrency=connections,
                rps=raw["requests"] / (raw["duration_us"] / 1e6),
                p50_ms=raw["p50_us"] / 1000,
                p99_ms=raw["p99_us"] / 1000,
                failures=raw["errors"] + raw["status_errors"],
                cpu_ms=cpu / requests * 1000 if cpu >= 0 else None,
            )
            rows.append(row)
            print(
                f"  {database:<10} {endpoint:<28} {auth:<6} c={connections:<3} {row.rps:7.0f} "
                f"req/s  p50 {row.p50_ms:7.2f} ms  p99 {row.p99_ms:7.2f} ms"
                + (f"  FAILED {row.failures}" if row.failures else ""),
                file=sys.stderr,
                flush=True,
            )
    return rows


async def _admin(statement: str) -> None:
    import asyncpg

    connection = await asyncpg.connect(POSTGRES_ADMIN_URL)
    try:
        await connection.execute(statement)
    finally:
        await connection.close()


@contextlib.contextmanager
def scratch_postgres() -> Iterator[str]:
    name = f"gridlink_bench_{uuid.uuid4().hex[:10]}"
    asyncio.run(_admin(f'CREATE DATABASE "{name}"'))
    try:
        yield f"{POSTGRES_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        asyncio.run(_admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


def cold_starts(workdir: Path, runs: int, base_env: dict[str, str] | None = None) -> list[float]:
    """Seconds from launching ``gridlink serve`` on a folder that does not exist yet to /readyz
    answering 200 (migrations, key file and sandbox client included)."""
    times = []
    for _ in range(runs):
        server = Server(workdir / f"cold-{uuid.uuid4().hex[:8]}", base_env=base_env)
        try:
            times.append(server.start())
        finally:
            server.stop()
    return times


def _verdict(ok: bool) -> str:
    return "met" if ok else "MISSED"


def render(
    rows: list[Measurement], cold: dict[str, list[float]], generator: str, seconds: int
) -> str:
    ceiling = {(r.database, r.concurrency): r.rps for r in rows if r.endpoint == HEALTHZ}
    lines = [
        f"Gridlink foundation bench — {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"load average {os.getloadavg()[0]:.1f}; load generator: {generator}, in its own process; "
        f"{seconds} s per row after a warm-up.",
        "",
        "| database | endpoint | auth | concurrency | req/s | p50 ms | p99 ms "
        "| ratio to /healthz | server CPU ms/req |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        ratio = r.rps / ceiling[(r.database, r.concurrency)]
        failed = f" ({r.failures} failed)" if r.failures else ""
        cpu = f"{r.cpu_ms:.2f}" if r.cpu_ms is not None else "n/a"
        lines.append(
            f"| {r.database} | {r.endpoint} | {r.auth} | {r.concurrency} | {r.rps:,.0f}{failed} "
            f"| {r.p50_ms:.2f} | {r.p99_ms:.2f} | {ratio:.2f}x | {cpu} |"
        )
    ratios = [r.rps / ceiling[(r.database, r.concurrency)] for r in rows if r.endpoint != HEALTHZ]
    worst = min(ratios, default=0.0)
    lines += ["", "Cold start (`gridlink serve` on an empty data folder → /readyz 200, SQLite):"]
    for label, times in cold.items():
        runs = ", ".join(f"{t:.2f}" for t in times)
        lines.append(f"- {label}: median {statistics.median(times):.2f} s ({runs})")
    lines += [
        "",
        "Goals (issue 2; reported, never asserted):",
        f"- connect-token creation ≥ {THROUGHPUT_GOAL}x the trivial endpoint's req/s: "
        f"lowest ratio {worst:.2f}x — {_verdict(worst >= THROUGHPUT_GOAL)}",
    ]
    for label, times in cold.items():
        median = statistics.median(times)
        lines.append(
            f"- cold start ≤ {COLD_START_GOAL} s ({label}): {median:.2f} s — "
            f"{_verdict(median <= COLD_START_GOAL)}"
        )
    return "\n".join(lines)


def _arguments() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n\n")[0])
    parser.add_argument("--seconds", type=int, default=4, help="measured seconds per row")
    parser.add_argument("--warmup", type=int, default=1, help="warm-up seconds per row")
    parser.add_argument("--cold-runs", type=int, default=5, help="cold starts (median)")
    parser.add_argument("--generator", choices=["auto", "wrk", "python"], default="auto")
    parser.add_argument("--databases", default="sqlite,postgresql", help="comma-separated")
    return parser.parse_args()


def main() -> int:
    args = _arguments()
    if not GRIDLINK.exists():
        raise SystemExit(f"{GRIDLINK} is missing: run `make install` first")
    generator = Generator(args.generator, args.seconds, args.warmup)
    if generator.wrk is None and args.generator == "auto":
        print(
            "note: wrk is not installed (apt-get install -y wrk); using bench/loadgen.py, a "
            "Python generator that needs more CPU per request than wrk.",
            file=sys.stderr,
        )
    rows: list[Measurement] = []
    cold: dict[str, list[float]] = {}
    runs = max(args.cold_runs, 1)
    with tempfile.TemporaryDirectory(prefix="gridlink-bench-") as tmp:
        workdir = Path(tmp)
        print("cold starts ...", file=sys.stderr, flush=True)
        server_env: dict[str, str] | None = None
        if bytecode_is_cached():
            cold["as installed"] = cold_starts(workdir, runs)
        else:
            cold["no bytecode cache (PYTHONDONTWRITEBYTECODE is set)"] = cold_starts(workdir, runs)
            server_env = cached_bytecode_env(workdir / "pycache")
            cold_starts(workdir, 1, server_env)  # compiles into the cache; not counted
            cold["bytecode cached (every start after the first, normally)"] = cold_starts(
                workdir, runs, server_env
            )
        # The load servers start from the same cache when there is one: only start-up differs.
        if "sqlite" in args.databases.split(","):
            with running(workdir / "sqlite", base_env=server_env) as server:
                rows += measure_server("SQLite", server, generator)
        if "postgresql" in args.databases.split(","):
            with scratch_postgres() as url, running(workdir / "pg", url, server_env) as server:
                rows += measure_server("PostgreSQL", server, generator)
    print(render(rows, cold, generator.describe(), args.seconds))
    return 0


if __name__ == "__main__":
    sys.exit(main())
