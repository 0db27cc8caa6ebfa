"""Separate API and worker processes on PostgreSQL: input crosses processes through the
database, and a worker killed with SIGKILL mid-attempt loses nothing half-written."""

from __future__ import annotations

import asyncio
import signal
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import _empty_tables
from tests.own_postgres import free_port
from tests.processes import create_client, follow, process_env, start, stop, wait_ready


@pytest.fixture
def pg_env(database_urls: dict[str, str], tmp_path: Path) -> Iterator[dict[str, str]]:
    url = database_urls["postgresql"]
    yield process_env(
        url,
        tmp_path / "data",
        GRIDLINK_ATTEMPT_LEASE_SECONDS="1.5",
        GRIDLINK_CONNECT_INPUT_TIMEOUT_SECONDS="120",
        GRIDLINK_WORKER_POLL_SECONDS="0.1",
    )
    asyncio.run(_empty_tables(url))


@pytest.mark.slow
def test_worker_killed_mid_attempt_ends_it_as_error_and_a_retry_works(
    pg_env: dict[str, str],
) -> None:
    pair = create_client(pg_env)
    port = free_port()
    api = start(["serve", "--port", str(port), "--no-worker"], pg_env)
    worker = start(["worker"], pg_env)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base)
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
            waiting = follow(http, headers, attempt, {"mfa_code"})
            assert waiting["status"] == "mfa_code"  # the standalone worker holds the session

            worker.send_signal(signal.SIGKILL)
            worker.wait(timeout=10)
            worker = start(["worker"], pg_env)
            ended = follow(http, headers, waiting, {"error", "verified", "rejected", "timeout"})
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
            retry = follow(http, headers, retry, {"mfa_code"})
            coded = http.post(
                f"/connect/api/attempts/{retry['id']}/mfa/code",
                json={"code": "123456"},
                headers=headers,
            ).json()
            done = follow(http, headers, coded, {"verified", "rejected", "error", "timeout"})
            assert done["status"] == "verified"
            assert done["utility_credential_id"] == attempt["utility_credential_id"]
    finally:
        stop(api, worker)
