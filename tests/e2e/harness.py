"""What the end-to-end tests run on: a real `gridlink serve` subprocess and Debian's Chromium.

Shared with bench/widget.py. No browser is ever downloaded: Playwright drives the system
Chromium through ``executable_path`` (scripts/ensure-chromium installs it).
"""

from __future__ import annotations

import asyncio
import base64
import os
import queue
import re
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import asyncpg
import httpx

ROOT = Path(__file__).resolve().parents[2]
PG_ADMIN_URL = os.environ.get(
    "GRIDLINK_TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres"
)
CHROMIUM = Path(os.environ.get("GRIDLINK_CHROMIUM", "/usr/bin/chromium"))
LAUNCH_ARGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
]
LOADER = ROOT / "widget" / "packages" / "connect" / "dist" / "connect.js"
UI_MANIFEST = ROOT / "widget" / "packages" / "ui" / "dist" / "manifest.json"
MASTER_KEYS = "ke2e:" + base64.b64encode(b"\x09" * 32).decode()
GRIDLINK = Path(sys.executable).with_name("gridlink")


def missing_prerequisites() -> list[str]:
    """What must exist before a browser test can run, each with how to get it."""
    problems = []
    if not CHROMIUM.is_file():
        problems.append(f"{CHROMIUM} is missing: run scripts/ensure-chromium")
    for built in (LOADER, UI_MANIFEST):
        if not built.is_file():
            problems.append(f"{built} is missing: run `make widget-build`")
    return problems


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@dataclass
class Server:
    """A running `gridlink serve` and the sandbox client its banner printed."""

    url: str
    client_id: str
    client_secret: str
    env: dict[str, str]
    process: subprocess.Popen[str]
    banner: list[str] = field(default_factory=list)

    @property
    def auth(self) -> httpx.BasicAuth:
        return httpx.BasicAuth(self.client_id, self.client_secret)

    def cli(self, *args: str) -> str:
        """Run a `gridlink` command against this server's database."""
        done = subprocess.run(
            [str(GRIDLINK), *args], env=self.env, capture_output=True, text=True, check=True
        )
        return done.stdout


def _read_lines(stream: object, lines: queue.Queue[str]) -> None:
    for line in stream:  # type: ignore[attr-defined]
        lines.put(line.rstrip("\n"))


@contextmanager
def gridlink_server(
    data_dir: Path, database_url: str | None = None, settings: dict[str, str] | None = None
) -> Iterator[Server]:
    """Start `gridlink serve` on a free loopback port with its own data folder and any extra
    ``GRIDLINK_*`` settings; stop it after."""
    port = free_port()
    env = {
        **os.environ,
        "GRIDLINK_DATA_DIR": str(data_dir),
        "GRIDLINK_HOST": "127.0.0.1",
        "GRIDLINK_PORT": str(port),
        "GRIDLINK_MASTER_KEYS": MASTER_KEYS,
        "GRIDLINK_LOG_LEVEL": "warning",
        **(settings or {}),
    }
    env.pop("GRIDLINK_PUBLIC_URL", None)
    if database_url is not None:
        env["GRIDLINK_DATABASE_URL"] = database_url
    log = (data_dir.parent / f"serve-{port}.log").open("w")
    process = subprocess.Popen(
        [str(GRIDLINK), "serve"], env=env, stdout=subprocess.PIPE, stderr=log, text=True
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=_read_lines, args=(process.stdout, lines), daemon=True).start()
    banner: list[str] = []
    deadline = time.monotonic() + 60
    try:
        while not any("client_secret:" in line for line in banner):
            if process.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"gridlink serve did not start; see {log.name}: {banner[-5:]}")
            try:
                banner.append(lines.get(timeout=0.2))
            except queue.Empty:
                continue
        text = "\n".join(banner)
        client_id = re.search(r"client_id:\s+(\S+)", text)
        secret = re.search(r"client_secret:\s+(\S+)", text)
        if client_id is None or secret is None:
            raise RuntimeError(f"no sandbox client in the banner (an old data folder?): {text}")
        yield Server(f"http://127.0.0.1:{port}", client_id[1], secret[1], env, process, banner)
    finally:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


async def _admin_async(statement: str) -> None:
    admin = await asyncpg.connect(PG_ADMIN_URL)
    try:
        await admin.execute(statement)
    finally:
        await admin.close()


def _admin(statement: str) -> None:
    # In a thread of its own: Playwright's sync API keeps an event loop running in this one.
    with ThreadPoolExecutor(1) as pool:
        pool.submit(asyncio.run, _admin_async(statement)).result()


@contextmanager
def postgres_database() -> Iterator[str]:
    """A scratch PostgreSQL database for one server, dropped afterwards; yields its URL."""
    name = f"gridlink_e2e_{os.getpid()}_{free_port()}"
    _admin(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN_URL.rsplit('/', 1)[0]}/{name}"
    finally:
        _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
