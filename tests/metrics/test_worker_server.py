"""A real `gridlink worker --metrics-address` process: its loops' readiness and its metrics
over HTTP, the access rules as the API's, a clean stop on SIGTERM, a clear error on a busy port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.conftest import TEST_MASTER_KEYS
from tests.metrics.scrape import parse

GRIDLINK = str(Path(sys.executable).parent / "gridlink")


def _env(db_url: str, tmp_path: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDLINK_")}
    return env | {
        "GRIDLINK_DATABASE_URL": db_url,
        "GRIDLINK_DATA_DIR": str(tmp_path / "worker"),
        "GRIDLINK_MASTER_KEYS": TEST_MASTER_KEYS,
        "GRIDLINK_LOG_LEVEL": "warning",
        "GRIDLINK_MIGRATE_ON_START": "false",
    }


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_a_worker_serves_readiness_and_metrics_and_stops_cleanly(
    db_url: str, tmp_path: Path
) -> None:
    port = _free_port()
    worker = subprocess.Popen(
        [GRIDLINK, "worker", "--metrics-address", f"127.0.0.1:{port}"],
        env=_env(db_url, tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        with httpx.Client(base_url=base, timeout=5) as http:
            while True:
                try:
                    ready = http.get("/readyz")
                    break
                except httpx.TransportError:
                    assert worker.poll() is None, worker.communicate()
                    assert time.monotonic() < deadline, "the worker's server never answered"
                    time.sleep(0.1)
            assert ready.status_code == 200, ready.text
            assert http.get("/healthz").json() == {"status": "ok"}
            samples = parse(http.get("/metrics").text)
            # Its syncs run in a child process, which the sync_processes loop keeps (ADR 0024).
            loops = ("periodic_jobs", "webhook_deliveries", "connection_attempts", "sync_processes")
            for loop in loops:
                assert samples.get_value("gridlink_worker_loop_up", loop=loop) == 1, loop
            assert samples.get_value("gridlink_queue_depth", queue="connection_attempts") == 0
            proxied = http.get("/metrics", headers={"X-Forwarded-For": "198.51.100.7"})
            assert proxied.status_code == 403
            assert http.get("/v1/users").status_code == 404  # no API here
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
    finally:
        if worker.poll() is None:
            worker.kill()
            worker.wait()


def test_a_busy_metrics_port_stops_the_worker_at_start(db_url: str, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = subprocess.run(
            [GRIDLINK, "worker", "--metrics-address", f"127.0.0.1:{port}"],
            env=_env(db_url, tmp_path),
            capture_output=True,
            text=True,
            timeout=60,
        )
    assert done.returncode == 1
    assert "pick another --metrics-address" in done.stderr
