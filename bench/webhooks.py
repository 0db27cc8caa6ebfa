"""Webhook delivery benchmark (issue 3): deliveries per second and commit-to-arrival latency.

On a scratch PostgreSQL database, with one and then two standalone ``gridlink worker``
processes delivering to a fast local receiver (a separate process on 127.0.0.1):

- throughput: N events are committed while no worker runs; the workers are started and the
  rate is measured from the first arrival at the receiver to the last;
- latency: with the workers idle, events are committed one per transaction at a steady rate,
  and each one's time from commit to arrival is taken (p50, p99).

Prints a markdown table with the issue's goals next to it; asserts nothing.

    .venv/bin/python bench/webhooks.py [--events 5000] [--latency-events 300] [--rate 50]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import signal
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from sqlalchemy import func, select

from gridlink.auth.service import AuthenticatedClient
from gridlink.clients.service import NewClient, create_client
from gridlink.events.service import record_event
from gridlink.kit.clock import SystemClock
from gridlink.kit.db import Database
from gridlink.kit.keyring import Keyring
from gridlink.kit.migrations import upgrade_to_head
from gridlink.models import WebhookDelivery
from gridlink.webhooks.schemas import WebhookEndpointCreate
from gridlink.webhooks.service import create_endpoint

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
ADMIN_URL = os.environ.get(
    "GRIDLINK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
DATABASE = "gridlink_bench_webhooks"
MASTER_KEYS = "kbench:" + "B" * 43 + "="
THROUGHPUT_GOAL = 500  # deliveries/s per worker
P50_GOAL_MS = 200


# --- the receiver (runs as its own process: `bench/webhooks.py --receive`) -----------------


class _ReceiverProtocol(asyncio.Protocol):
    arrivals: dict[str, float] = {}

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: Any = transport  # uvloop's transports are not asyncio.Transport
        self.buffer = b""

    def data_received(self, data: bytes) -> None:
        self.buffer += data
        while (end := self.buffer.find(b"\r\n\r\n")) >= 0:
            head = self.buffer[:end].decode("latin-1")
            length = 0
            webhook_id = ""
            for line in head.split("\r\n")[1:]:
                name, _, value = line.partition(":")
                if name.lower() == "content-length":
                    length = int(value)
                elif name.lower() == "webhook-id":
                    webhook_id = value.strip()
            if len(self.buffer) < end + 4 + length:
                return
            self.buffer = self.buffer[end + 4 + length :]
            if head.startswith("GET /arrivals"):
                body = json.dumps(self.arrivals).encode()
                self.arrivals.clear()
            else:
                self.arrivals.setdefault(webhook_id, time.time())
                body = b""
            self.transport.write(
                b"HTTP/1.1 200 OK\r\ncontent-length: %d\r\n\r\n%s" % (len(body), body)
            )


async def _receive() -> None:
    loop = asyncio.get_running_loop()
    server = await loop.create_server(_ReceiverProtocol, "127.0.0.1", 0)
    print(server.sockets[0].getsockname()[1], flush=True)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    await stop.wait()


# --- the benchmark ----------------------------------------------------------------------------


async def _fresh_database() -> str:
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await admin.execute(f'CREATE DATABASE "{DATABASE}"')
    finally:
        await admin.close()
    return ADMIN_URL.rsplit("/", 1)[0] + "/" + DATABASE


async def _setup(url: str, receiver_url: str) -> tuple[Database, str]:
    db = Database(url)
    await upgrade_to_head(db)
    clock = SystemClock()
    async with db.transaction() as session:
        created = await create_client(
            session, clock, NewClient("bench", ["https://bench.example"], [], "sandbox")
        )
        client = AuthenticatedClient(created.client_id, "bench", "sandbox", (), (), "")

        async def resolve(host: str, port: int) -> list[str]:
            return ["127.0.0.1"]

        await create_endpoint(
            session,
            clock,
            Keyring.parse(MASTER_KEYS),
            resolve,
            client,
            WebhookEndpointCreate(url=receiver_url),
        )
    return db, created.client_id


async def _record(db: Database, client_id: str, count: int) -> list[str]:
    ids = []
    async with db.transaction() as session:
        for i in range(count):
            event = await record_event(
                session,
                SystemClock(),
                client_id=client_id,
                type="user_deleted",
                data={},
                client_user_id=f"user-{i}",
            )
            ids.append(event.id)
    return ids


async def _start_workers(url: str, count: int) -> list[asyncio.subprocess.Process]:
    env = {
        **os.environ,
        "GRIDLINK_DATABASE_URL": url,
        "GRIDLINK_MASTER_KEYS": MASTER_KEYS,
        "GRIDLINK_DATA_DIR": tempfile.mkdtemp(prefix="gridlink-bench-"),
        "GRIDLINK_LOG_LEVEL": "warning",
    }
    return [
        await asyncio.create_subprocess_exec(str(PYTHON), "-m", "gridlink", "worker", env=env)
        for _ in range(count)
    ]


async def _stop(workers: list[asyncio.subprocess.Process]) -> None:
    for worker in workers:
        with contextlib.suppress(ProcessLookupError):
            worker.terminate()
    for worker in workers:
        await worker.wait()


async def _arrivals(http: httpx.AsyncClient, receiver_url: str) -> dict[str, float]:
    response = await http.get(receiver_url.replace("/hooks", "/arrivals"))
    arrivals: dict[str, float] = response.json()
    return arrivals


async def _wait_delivered(db: Database, expected: int, seconds: float = 300) -> None:
    deadline = time.monotonic() + seconds
    done = 0
    while time.monotonic() < deadline:
        async with db.transaction(write=False) as session:
            done = (
                await session.scalar(
                    select(func.count())
                    .select_from(WebhookDelivery)
                    .where(WebhookDelivery.status == "succeeded")
                )
                or 0
            )
        if done == expected:
            return
        await asyncio.sleep(0.1)
    raise TimeoutError(f"only {done} of {expected} deliveries succeeded")


async def _throughput(
    db: Database, url: str, client_id: str, receiver_url: str, workers: int, events: int
) -> tuple[int, float]:
    await _record_in_chunks(db, client_id, events)
    async with httpx.AsyncClient() as http:
        await _arrivals(http, receiver_url)  # clear
        processes = await _start_workers(url, workers)
        try:
            await _wait_delivered(db, events)
        finally:
            await _stop(processes)
        arrived = await _arrivals(http, receiver_url)
    times = sorted(arrived.values())
    return len(arrived), times[-1] - times[0]


async def _record_in_chunks(db: Database, client_id: str, events: int) -> None:
    for start in range(0, events, 500):
        await _record(db, client_id, min(500, events - start))


async def _latency(
    db: Database, url: str, client_id: str, receiver_url: str, workers: int, count: int, rate: float
) -> list[float]:
    async with httpx.AsyncClient() as http:
        processes = await _start_workers(url, workers)
        try:
            await _warm_up(db, client_id, http, receiver_url)
            committed: dict[str, float] = {}
            for _ in range(count):
                [event_id] = await _record(db, client_id, 1)
                committed[event_id] = time.time()
                await asyncio.sleep(1 / rate)
            arrived: dict[str, float] = {}
            deadline = time.monotonic() + 60
            while len(arrived) < count and time.monotonic() < deadline:
                await asyncio.sleep(0.2)
                arrived |= {k: v for k, v in (await _arrivals(http, receiver_url)).items()}
        finally:
            await _stop(processes)
    return [(arrived[k] - t) * 1000 for k, t in committed.items() if k in arrived]


async def _warm_up(
    db: Database, client_id: str, http: httpx.AsyncClient, receiver_url: str
) -> None:
    """Until a worker delivers, it is not listening yet: send events until one arrives."""
    await _arrivals(http, receiver_url)
    for _ in range(600):
        await _record(db, client_id, 1)
        await asyncio.sleep(0.1)
        if await _arrivals(http, receiver_url):
            await asyncio.sleep(1)
            await _arrivals(http, receiver_url)
            return
    raise TimeoutError("no worker delivered anything")


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


async def _run(args: argparse.Namespace) -> None:
    receiver = await asyncio.create_subprocess_exec(
        str(PYTHON), __file__, "--receive", stdout=asyncio.subprocess.PIPE
    )
    assert receiver.stdout is not None
    port = int((await receiver.stdout.readline()).decode())
    receiver_url = f"http://127.0.0.1:{port}/hooks"
    rows = []
    try:
        for workers in (1, 2):
            url = await _fresh_database()
            db, client_id = await _setup(url, receiver_url)
            try:
                count, seconds = await _throughput(
                    db, url, client_id, receiver_url, workers, args.events
                )
                latencies = await _latency(
                    db, url, client_id, receiver_url, workers, args.latency_events, args.rate
                )
            finally:
                await db.dispose()
            rows.append((workers, count, seconds, latencies))
            print(f"... {workers} worker(s) done", file=sys.stderr)
    finally:
        receiver.terminate()
        await receiver.wait()
        admin = await asyncpg.connect(ADMIN_URL)
        await admin.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        await admin.close()
    _print_table(rows, args)


def _print_table(rows: list[tuple[int, int, float, list[float]]], args: argparse.Namespace) -> None:
    load = os.getloadavg()[0]
    print(
        f"\nWebhook delivery on PostgreSQL, {os.cpu_count()} CPUs (load {load:.1f}), "
        f"{args.events} events for throughput, {args.latency_events} at {args.rate}/s for "
        "latency\n"
    )
    print("| workers | deliveries | seconds | deliveries/s | per worker | p50 ms | p99 ms |")
    print("|---:|---:|---:|---:|---:|---:|---:|")
    for workers, count, seconds, latencies in rows:
        rate = (count - 1) / seconds if seconds else float("nan")
        p50 = statistics.median(latencies) if latencies else float("nan")
        p99 = _percentile(latencies, 0.99) if latencies else float("nan")
        print(
            f"| {workers} | {count} | {seconds:.2f} | {rate:.0f} | {rate / workers:.0f} "
            f"| {p50:.1f} | {p99:.1f} |"
        )
    print(f"\nGoals: >= {THROUGHPUT_GOAL} deliveries/s per worker; p50 <= {P50_GOAL_MS} ms.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=5000)
    parser.add_argument("--latency-events", type=int, default=300)
    parser.add_argument("--rate", type=float, default=50.0, help="events/s in the latency run")
    parser.add_argument("--receive", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    try:
        import uvloop
    except ImportError:  # pragma: no cover
        runner = asyncio.run
    else:
        runner = uvloop.run  # type: ignore[assignment]
    runner(_receive() if args.receive else _run(args))


if __name__ == "__main__":
    main()
