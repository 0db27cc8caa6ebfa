"""Gridlink's own commands as real processes: start them, wait until ready, follow a sign-in.

What tests of several processes share (an API and workers on PostgreSQL, behind PgBouncer or
nginx): nothing in-process, so each process has its own pool, loops and event loop, as deployed.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import asyncpg
import httpx

from tests.conftest import TEST_MASTER_KEYS

GRIDLINK = str(Path(sys.executable).parent / "gridlink")
ENDED = {"verified", "rejected", "error", "timeout", "cancelled"}


def process_env(database_url: str, data_dir: Path, **settings: str) -> dict[str, str]:
    """A test's ``gridlink`` process environment: this one's without its GRIDLINK_ settings, the
    database, a data folder, the tests' master keys, warnings only, then ``settings``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDLINK_")}
    env.update(
        GRIDLINK_DATABASE_URL=database_url,
        GRIDLINK_DATA_DIR=str(data_dir),
        GRIDLINK_MASTER_KEYS=TEST_MASTER_KEYS,
        GRIDLINK_LOG_LEVEL="warning",
    )
    env.update(settings)
    return env


def start(
    args: list[str], env: dict[str, str], log: IO[bytes] | None = None
) -> subprocess.Popen[bytes]:
    output: Any = log if log is not None else subprocess.DEVNULL
    return subprocess.Popen([GRIDLINK, *args], env=env, stdout=output, stderr=output)


def stop(*processes: subprocess.Popen[bytes]) -> None:
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def wait_ready(base: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError(f"{base} did not become ready")


def follow(
    http: httpx.Client, headers: dict[str, str], attempt: dict[str, Any], until: set[str]
) -> dict[str, Any]:
    """Long-poll an attempt until its status is one of ``until``."""
    for _ in range(60):
        if attempt["status"] in until:
            return attempt
        response = http.get(
            f"/connect/api/attempts/{attempt['id']}",
            params={"after_seq": attempt["seq"], "wait": 5},
            headers=headers,
        )
        attempt = response.json()
    raise AssertionError(f"stuck in {attempt['status']}")


def open_connect(http: httpx.Client, pair: dict[str, str], user: str) -> dict[str, str]:
    """A consented Connect session for ``user`` at the sandbox's electric utility: its headers."""
    token = http.post(
        "/v1/auth/connect_token",
        json={"client_user_id": user, "utility_id": "sandbox_electric"},
        auth=(pair["client_id"], pair["client_secret"]),
    ).json()
    started = http.post("/connect/api/sessions", json={"connect_token": token["connect_token"]})
    body = started.json()
    headers = {"Authorization": f"Bearer {body['session_token']}"}
    consent = http.post(
        "/connect/api/session/consent",
        json={"consent_version": body["session"]["consent_version"]},
        headers=headers,
    )
    assert consent.status_code == 200, consent.text
    return headers


def create_client(env: dict[str, str], *options: str, name: str = "Acme") -> dict[str, str]:
    """``gridlink clients create`` (``options``: e.g. ``--environment live``): its id and secret."""
    created = subprocess.run(
        [
            GRIDLINK,
            "clients",
            "create",
            name,
            *options,
            "--origin",
            "https://app.example",
            "--json",
        ],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    pair: dict[str, str] = json.loads(created.stdout)
    return pair


# --- A scaled-out deployment: API processes and workers on PostgreSQL behind a pooler -------
# tests/operations/test_scale_out.py and bench/scale.py both run this one shape; what each
# process gets (its command and settings) is decided here only.

# Settings every process of a fleet shares, whatever the test or bench adds on top.
FLEET_SETTINGS = {
    "GRIDLINK_DATABASE_POOLER": "transaction",
    "GRIDLINK_MIGRATE_ON_START": "false",  # `gridlink migrate` runs once, before the fleet
    "GRIDLINK_LOG_LEVEL": "warning",
    "GRIDLINK_WORKER_POLL_SECONDS": "0.2",
    "GRIDLINK_SYNC_POLL_SECONDS": "0.5",
}


@dataclass
class Member:
    """One process of a fleet: an API (``port`` serves the API) or a worker (``port`` serves
    its /metrics and /readyz)."""

    role: str
    port: int
    process: subprocess.Popen[bytes]
    log: Path

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def cpu_seconds(self) -> float:
        """User + system CPU used so far, from /proc (the process must still run)."""
        return cpu_seconds(self.process.pid)


@dataclass
class Fleet:
    apis: list[Member]
    workers: list[Member]

    @property
    def members(self) -> list[Member]:
        return [*self.apis, *self.workers]

    def exited(self) -> list[str]:
        """The members that are no longer running, with their exit codes."""
        return [
            f"{m.role} {m.process.pid} exited {m.process.returncode}"
            for m in self.members
            if m.process.poll() is not None
        ]

    def logs(self) -> str:
        return "".join(m.log.read_text(errors="replace") for m in self.members if m.log.exists())

    def stop(self) -> None:
        stop(*(m.process for m in self.members))


def fleet_env(
    base: dict[str, str], *, pooled_url: str, direct_url: str, data_dir: Path
) -> dict[str, str]:
    """Every process's environment: ``base`` without its GRIDLINK_ settings, plus the fleet's."""
    environment = {k: v for k, v in base.items() if not k.startswith("GRIDLINK_")}
    environment.update(FLEET_SETTINGS)
    environment.update(
        GRIDLINK_DATABASE_URL=pooled_url,
        # LISTEN and migrations need a session of their own: PostgreSQL itself, not the pooler.
        GRIDLINK_DATABASE_DIRECT_URL=direct_url,
        GRIDLINK_DATA_DIR=str(data_dir),
    )
    return environment


def migrate(env: dict[str, str]) -> None:
    done = subprocess.run(
        [GRIDLINK, "migrate"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr


def start_fleet(
    env: dict[str, str], logs: Path, *, apis: int, workers: int, free_port: Callable[[], int]
) -> Fleet:
    """``apis`` times ``gridlink serve --no-worker`` and ``workers`` times ``gridlink worker`` (each
    serving its metrics), started together and ready when this returns."""
    logs.mkdir(parents=True, exist_ok=True)

    def launch(role: str, n: int, args: list[str], port: int) -> Member:
        log = logs / f"{role}-{n}.log"
        with log.open("wb") as output:
            return Member(role, port, start(args, env, output), log)

    fleet = Fleet([], [])
    try:
        for n in range(apis):
            port = free_port()
            fleet.apis.append(launch("api", n, ["serve", "--port", str(port), "--no-worker"], port))
        for n in range(workers):
            port = free_port()
            args = ["worker", "--metrics-address", f"127.0.0.1:{port}"]
            fleet.workers.append(launch("worker", n, args, port))
        for member in fleet.members:
            wait_ready(member.base)
    except BaseException:
        fleet.stop()
        raise
    return fleet


def worker_pid(lease_owner: str) -> int:
    """The process id in a lease owner (kit/ids.py ``new_worker_id``: host:pid:suffix)."""
    return int(lease_owner.rsplit(":", 2)[1])


# Which process claimed what: lease owners are cleared when the work ends, so a trigger on the
# fleet's own database keeps every claim (a new lease owner on a sync or an attempt) in a
# schema of its own. It observes; it changes nothing the application reads.
_CLAIM_LOG = """
CREATE SCHEMA IF NOT EXISTS observed;
CREATE TABLE IF NOT EXISTS observed.claims (
    queue text NOT NULL, item_id text NOT NULL, owner text NOT NULL,
    kind text, claimed_at timestamptz NOT NULL DEFAULT clock_timestamp()
);
CREATE OR REPLACE FUNCTION observed.record_claim() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO observed.claims (queue, item_id, owner, kind)
    VALUES (TG_TABLE_NAME, NEW.id, NEW.lease_owner, to_jsonb(NEW) ->> 'kind');
    RETURN NULL;
END $$;
"""
_CLAIM_TRIGGER = """
CREATE OR REPLACE TRIGGER record_claim AFTER UPDATE OF lease_owner ON {table} FOR EACH ROW
WHEN (NEW.lease_owner IS NOT NULL AND NEW.lease_owner IS DISTINCT FROM OLD.lease_owner)
EXECUTE FUNCTION observed.record_claim()
"""
CLAIMED_QUEUES = ("connection_attempts", "utility_syncs")


async def record_claims(direct_url: str) -> None:
    connection = await asyncpg.connect(direct_url)
    try:
        await connection.execute(_CLAIM_LOG)
        for table in CLAIMED_QUEUES:
            await connection.execute(_CLAIM_TRIGGER.format(table=table))
    finally:
        await connection.close()


@dataclass(frozen=True)
class Claim:
    queue: str
    item_id: str
    pid: int
    kind: str | None


async def claims(direct_url: str) -> list[Claim]:
    connection = await asyncpg.connect(direct_url)
    try:
        rows = await connection.fetch(
            "SELECT queue, item_id, owner, kind FROM observed.claims ORDER BY claimed_at"
        )
    finally:
        await connection.close()
    return [Claim(r["queue"], r["item_id"], worker_pid(r["owner"]), r["kind"]) for r in rows]


def children_of(pid: int) -> list[int]:
    """The processes ``pid`` started that are still running (a worker's sync processes); one
    that exited and is not yet reaped does not count."""
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            state, parent = stat.read_text().rsplit(")", 1)[1].split()[:2]
        except OSError:
            continue
        if int(parent) == pid and state != "Z":
            found.append(int(stat.parent.name))
    return found


def is_alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except OSError:
        return False
    return state != "Z"  # a zombie has exited; only its parent's wait is missing


def cpu_seconds(pid: int) -> float:
    """User + system CPU a running process used so far, from /proc (0 once it is gone)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
