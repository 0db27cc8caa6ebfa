"""A worker runs its syncs in a child process of their own (ADR 0024), restarts it when it dies,
and takes it down with itself."""

from __future__ import annotations

import asyncio
import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import _empty_tables
from tests.own_postgres import free_port
from tests.processes import (
    ENDED,
    children_of,
    create_client,
    follow,
    is_alive,
    open_connect,
    process_env,
    start,
    stop,
    wait_ready,
)


@pytest.fixture
def pg_env(database_urls: dict[str, str], tmp_path: Path) -> Iterator[dict[str, str]]:
    url = database_urls["postgresql"]
    yield process_env(
        url,
        tmp_path / "data",
        GRIDLINK_SYNC_HISTORY_MONTHS="1",
        GRIDLINK_WORKER_POLL_SECONDS="0.2",
        GRIDLINK_SYNC_POLL_SECONDS="0.5",
    )
    asyncio.run(_empty_tables(url))


def _wait_for(condition: object, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if callable(condition) and condition():
            return
        time.sleep(0.1)
    raise AssertionError("timed out")


def _synced(http: httpx.Client, secret: tuple[str, str], credential_id: str, after: str) -> bool:
    sync = http.get(f"/v1/utility_credentials/{credential_id}", auth=secret).json()["sync"]
    return sync["last_synced_at"] is not None and sync["last_synced_at"] > after


@pytest.mark.slow
def test_a_worker_syncs_in_a_child_process_and_restarts_it(pg_env: dict[str, str]) -> None:
    pair = create_client(pg_env)
    secret = (pair["client_id"], pair["client_secret"])
    port = free_port()
    api = start(["serve", "--port", str(port), "--no-worker"], pg_env)
    worker = start(["worker"], pg_env)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base)
        _wait_for(lambda: len(children_of(worker.pid)) == 1)
        (child,) = children_of(worker.pid)
        # Backfills take only the CPU that sign-ins leave (GRIDLINK_SYNC_NICENESS, default 10).
        worker_nice = os.getpriority(os.PRIO_PROCESS, worker.pid)
        _wait_for(lambda: os.getpriority(os.PRIO_PROCESS, child) == min(worker_nice + 10, 19))
        with httpx.Client(base_url=base, timeout=30) as http:
            headers = open_connect(http, pair, "user-1")
            attempt = http.post(
                "/connect/api/attempts",
                json={"username": "user_good", "password": "pass_good"},
                headers=headers,
            ).json()
            credential = follow(http, headers, attempt, ENDED)["utility_credential_id"]
            _wait_for(lambda: _synced(http, secret, credential, ""))

            os.kill(child, signal.SIGKILL)  # the sync process dies; the worker starts another
            _wait_for(lambda: children_of(worker.pid) not in ([], [child]), seconds=60)
            (replacement,) = children_of(worker.pid)
            assert replacement != child
            first = http.get(f"/v1/utility_credentials/{credential}", auth=secret).json()
            refreshed = http.post(
                f"/v1/utility_credentials/{credential}/refresh",
                auth=secret,
                headers={"Idempotency-Key": "refresh-1"},
            )
            assert refreshed.status_code in (200, 202), refreshed.text
            _wait_for(lambda: _synced(http, secret, credential, first["sync"]["last_synced_at"]))
        worker.send_signal(signal.SIGTERM)
        assert worker.wait(timeout=30) == 0
        assert not Path(f"/proc/{replacement}").exists()  # it went down with its worker

        # A worker killed without a word cannot stop its child: the child sees it is gone.
        worker = start(["worker"], pg_env)
        _wait_for(lambda: len(children_of(worker.pid)) == 1)
        (orphan,) = children_of(worker.pid)
        worker.kill()
        worker.wait(timeout=10)
        _wait_for(lambda: not is_alive(orphan), seconds=30)
    finally:
        stop(api, worker)
