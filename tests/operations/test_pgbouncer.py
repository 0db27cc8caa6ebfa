"""An API process and a worker behind a real PgBouncer in transaction mode.

Each transaction may land on another server connection, so nothing may outlive one: a
statement prepared by name on one connection is unknown, or already taken, on the next. The
test runs sign-ins with MFA and their first syncs through it, with more client connections
than PgBouncer has server connections, so transactions do change hands.
"""

from __future__ import annotations

import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.own_postgres import OwnPostgres, PgBouncer, free_port, own_postgres
from tests.processes import (
    ENDED,
    GRIDLINK,
    create_client,
    follow,
    open_connect,
    process_env,
    start,
    stop,
    wait_ready,
)

__all__ = ["own_postgres"]


@pytest.fixture
def bouncer(own_postgres: OwnPostgres) -> Iterator[PgBouncer]:
    pgbouncer = PgBouncer(own_postgres.port, pool_size=3)
    try:
        yield pgbouncer
    finally:
        pgbouncer.close()


@pytest.mark.slow
def test_sign_ins_and_syncs_through_pgbouncer_in_transaction_mode(
    own_postgres: OwnPostgres, bouncer: PgBouncer, tmp_path: Path
) -> None:
    pooled = bouncer.url("postgres")
    env = process_env(
        pooled,
        tmp_path / "data",
        GRIDLINK_WORKER_POLL_SECONDS="0.2",
        GRIDLINK_SYNC_POLL_SECONDS="0.2",
        GRIDLINK_DATABASE_POOLER="transaction",
        GRIDLINK_MIGRATE_ON_START="false",
    )
    refused = subprocess.run(
        [GRIDLINK, "migrate"], env=env, capture_output=True, text=True, timeout=60
    )
    assert refused.returncode != 0
    assert "GRIDLINK_DATABASE_DIRECT_URL" in refused.stderr  # says what to do instead
    migrated = subprocess.run(
        [GRIDLINK, "migrate"],
        env={**env, "GRIDLINK_DATABASE_DIRECT_URL": own_postgres.url},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert migrated.returncode == 0, migrated.stderr
    pair = create_client(env)
    port = free_port()
    log = (tmp_path / "processes.log").open("wb")
    # The API polls nothing; the worker has no direct connection, so it polls for its work.
    api = start(["serve", "--port", str(port), "--no-worker"], env, log)
    worker = start(["worker"], env, log)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base)
        secret = (pair["client_id"], pair["client_secret"])
        with httpx.Client(base_url=base, timeout=30) as http:
            credentials = []
            for n in range(4):
                headers = open_connect(http, pair, f"user-{n}")
                attempt = http.post(
                    "/connect/api/attempts",
                    json={"username": "user_mfa_sms", "password": "pass_good"},
                    headers=headers,
                ).json()
                attempt = follow(http, headers, attempt, {"mfa_code", *ENDED})
                coded = http.post(
                    f"/connect/api/attempts/{attempt['id']}/mfa/code",
                    json={"code": "123456"},
                    headers=headers,
                ).json()
                done = follow(http, headers, coded, ENDED)
                assert done["status"] == "verified"
                credentials.append(done["utility_credential_id"])
            for credential_id in credentials:
                assert _synced(http, secret, credential_id)
    finally:
        stop(api, worker)
        log.close()
    logged = (tmp_path / "processes.log").read_text()
    assert "prepared statement" not in logged
    assert "Traceback" not in logged
    assert "ERROR" not in bouncer.log().upper().replace("LOG ", "")


def _synced(http: httpx.Client, secret: tuple[str, str], credential_id: str) -> bool:
    """True once the credential's first sync has finished."""
    for _ in range(300):
        credential = http.get(f"/v1/utility_credentials/{credential_id}", auth=secret).json()
        if credential["sync"]["last_synced_at"] is not None:
            return True
        time.sleep(0.2)
    return False
