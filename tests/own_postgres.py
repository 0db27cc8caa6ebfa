"""A PostgreSQL server (and a PgBouncer) of a test's own, to stop and start at will.

The shared server on 127.0.0.1:5432 serves every other test at the same time: a test that takes
the database away starts its own cluster (initdb in a temporary folder, fsync off) on a free
port. Both servers refuse to run as root, so as root they run as the `postgres` user.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.processes import stop


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _as_postgres() -> list[str]:
    return ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []


def _bindir() -> Path:
    found = sorted(Path("/usr/lib/postgresql").glob("*/bin/initdb"))
    if not found:
        pytest.skip("PostgreSQL's server programs (initdb, pg_ctl) are not installed")
    return found[-1].parent


def _folder() -> Path:
    root = Path(tempfile.mkdtemp(prefix="gridlink-own-pg-"))
    if os.geteuid() == 0:
        shutil.chown(root, "postgres", "postgres")
    return root


def wait_for_port(
    port: int,
    what: str,
    seconds: float = 30,
    process: subprocess.Popen[bytes] | None = None,
    log: Callable[[], str] = str,
) -> None:
    """Until something listens on ``port``; fails at once if ``process`` exited (with ``log()``)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process is not None and process.poll() is not None:
            raise AssertionError(f"{what} exited: {log()}")
        with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
            return
        time.sleep(0.05)
    raise AssertionError(f"{what} did not start listening on {port}: {log()}")


class OwnPostgres:
    def __init__(self) -> None:
        self.root = _folder()
        self.data = self.root / "data"
        self.port = free_port()
        self.bin = _bindir()
        subprocess.run(
            [
                *_as_postgres(),
                str(self.bin / "initdb"),
                "-D",
                str(self.data),
                "-A",
                "trust",
                "-U",
                "postgres",
                "--no-sync",
                "-E",
                "UTF8",
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )

    @property
    def url(self) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    def start(self) -> None:
        options = (
            f"-p {self.port} -k {self.root} -c listen_addresses=127.0.0.1 -c fsync=off "
            "-c max_connections=200"
        )
        subprocess.run(
            [
                *_as_postgres(),
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-w",
                "-t",
                "60",
                "-o",
                options,
                "-l",
                str(self.root / "server.log"),
                "start",
            ],
            check=True,
            capture_output=True,
            timeout=90,
        )
        wait_for_port(self.port, "PostgreSQL")

    def stop(self) -> None:
        """A fast shut-down: every connection is cut, as in a restart or a failover."""
        subprocess.run(
            [
                *_as_postgres(),
                str(self.bin / "pg_ctl"),
                "-D",
                str(self.data),
                "-w",
                "-m",
                "fast",
                "stop",
            ],
            check=True,
            capture_output=True,
            timeout=90,
        )

    def remove(self) -> None:
        with contextlib.suppress(subprocess.SubprocessError):
            self.stop()
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def own_postgres() -> Iterator[OwnPostgres]:
    server = OwnPostgres()
    server.start()
    try:
        yield server
    finally:
        server.remove()


class PgBouncer:
    """PgBouncer in transaction mode in front of ``upstream`` (host, port)."""

    def __init__(self, upstream_port: int, *, pool_size: int = 20) -> None:
        binary = shutil.which("pgbouncer") or "/usr/sbin/pgbouncer"
        if not Path(binary).exists():
            pytest.skip("PgBouncer is not installed (scripts/ensure-debian-tools installs it)")
        self.root = _folder()
        self.port = free_port()
        config = self.root / "pgbouncer.ini"
        (self.root / "users.txt").write_text('"postgres" ""\n')
        config.write_text(
            "[databases]\n"
            f"* = host=127.0.0.1 port={upstream_port}\n"
            "[pgbouncer]\n"
            f"listen_addr = 127.0.0.1\nlisten_port = {self.port}\n"
            f"unix_socket_dir = {self.root}\n"
            "auth_type = trust\n"
            f"auth_file = {self.root / 'users.txt'}\n"
            "pool_mode = transaction\n"
            f"default_pool_size = {pool_size}\nmax_client_conn = 1000\n"
            "server_reset_query =\n"
            f"logfile = {self.root / 'pgbouncer.log'}\n"
        )
        if os.geteuid() == 0:
            for path in self.root.iterdir():
                shutil.chown(path, "postgres", "postgres")
        self.process = subprocess.Popen(
            [*_as_postgres(), binary, str(config)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(self.port, "PgBouncer")

    def url(self, database: str) -> str:
        return f"postgresql://postgres@127.0.0.1:{self.port}/{database}"

    def log(self) -> str:
        path = self.root / "pgbouncer.log"
        return path.read_text() if path.exists() else ""

    def close(self) -> None:
        stop(self.process)
        shutil.rmtree(self.root, ignore_errors=True)
