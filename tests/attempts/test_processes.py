"""Separate API and worker processes on PostgreSQL: input crosses processes through the
database, and a worker killed with SIGKILL mid-attempt loses nothing half-written."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import TEST_MASTER_KEYS, _empty_tables

GRIDLINK = str(Path(sys.executable).parent / "gridlink")


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@pytest.fixture
def pg_env(database_urls: dict[str, str], tmp_path: Path) -> Iterator[dict[str, str]]:
    url = database_urls["postgresql"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("GRIDLINK_")}
    env.update(
        GRIDLINK_DATABASE_URL=url,
        GRIDLINK_DATA_DIR=str(tmp_path / "data"),
        GRIDLINK_MASTER_KEYS=TEST_MASTER_KEYS,
        GRIDLINK_LOG_LEVEL="warning",
        GRIDLINK_ATTEMPT_LEASE_SECONDS="1.5",
        GRIDLINK_CONNECT_INPUT_TIMEOUT_SECONDS="120",
        GRIDLINK_WORKER_POLL_SECONDS="0.1",
    )
    yield env
    asyncio.run(_empty_tables(url))


def _start(args: list[str], env: dict[str, str]) -> subprocess.Popen[bytes]:
    return subprocess.Popen(
        [GRIDLINK, *args], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )


def _wait_ready(base: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base}/readyz").status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise AssertionError("server did not become ready")


def _follow(
    http: httpx.Client, headers: dict[str, str], attempt: dict[str, object], until: set[str]
) -> dict[str, object]:
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


@pytest.mark.slow
def test_worker_killed_mid_attempt_ends_it_as_error_and_a_retry_works(
    pg_env: dict[str, str],
) -> None:
    created = subprocess.run(
        [GRIDLINK, "clients", "create", "Acme", "--origin", "https://app.example", "--json"],
        env=pg_env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    pair = json.loads(created.stdout)
    port = _free_port()
    api = _start(["serve", "--port", str(port), "--no-worker"], pg_env)
    worker = _start(["worker"], pg_env)
    try:
        base = f"http://127.0.0.1:{port}"
        _wait_ready(base)
        with httpx.Client(base_url=base, timeout=30) as http:
            token = http.post(
                "/v1/auth/connect_token",
                json={"client_user_id": "u", "utility_id": "sandbox_electric"},
                auth=(pair["client_id"], pair["client_secret"]),
            ).json()
            started = http.post(
                "/connect/api/sessions", json={"connect_token": token["connect_token"]}
            ).json()
            headers = {"Authorization": f"Bearer {started['session_token']}"}
            http.post(
                "/connect/api/session/consent",
                json={"consent_version": started["session"]["consent_version"]},
                headers=headers,
            )
            attempt = http.post(
                "/connect/api/attempts",
                json={"username": "user_mfa_sms", "password": "pass_good"},
                headers=headers,
            ).json()
            waiting = _follow(http, headers, attempt, {"mfa_code"})
            assert waiting["status"] == "mfa_code"  # the standalone worker holds the session

            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
            worker = _start(["worker"], pg_env)
            ended = _follow(http, headers, waiting, {"error", "verified", "rejected", "timeout"})
            assert (ended["status"], ended["status_detail"]) == ("error", "CONNECTION_INTERRUPTED")
            late = http.post(
                f"/connect/api/attempts/{attempt['id']}/mfa/code",
                json={"code": "123456"},
                headers=headers,
            )
            assert late.status_code == 409  # nothing to answer any more

            retry = http.post(
                "/connect/api/attempts",
                json={"username": "user_mfa_sms", "password": "pass_good"},
                headers=headers,
            ).json()
            retry = _follow(http, headers, retry, {"mfa_code"})
            coded = http.post(
                f"/connect/api/attempts/{retry['id']}/mfa/code",
                json={"code": "123456"},
                headers=headers,
            ).json()
            done = _follow(http, headers, coded, {"verified", "rejected", "error", "timeout"})
            assert done["status"] == "verified"
            assert done["utility_credential_id"] == attempt["utility_credential_id"]
    finally:
        for process in (api, worker):
            process.terminate()
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
