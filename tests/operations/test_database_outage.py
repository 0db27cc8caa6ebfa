"""PostgreSQL goes away for a few seconds under a running API and worker, then comes back.

Sign-ins waiting for their MFA codes live only in the worker's memory (the utility session):
the worker's loops must ride out the outage (claims failing, leases not renewed, wake-ups
lost) without cancelling them, the API must answer 503 `database_unavailable` meanwhile, and
everything must work again once the server is back, without restarting a process.
"""

from __future__ import annotations

import time
from pathlib import Path

import httpx
import pytest

from tests.own_postgres import OwnPostgres, free_port, own_postgres
from tests.processes import (
    ENDED,
    create_client,
    follow,
    open_connect,
    process_env,
    start,
    stop,
    wait_ready,
)

__all__ = ["own_postgres"]

SIGN_INS = 3


@pytest.fixture
def env(own_postgres: OwnPostgres, tmp_path: Path) -> dict[str, str]:
    return process_env(
        own_postgres.url,
        tmp_path / "data",
        GRIDLINK_LOG_LEVEL="info",
        GRIDLINK_CONNECT_INPUT_TIMEOUT_SECONDS="120",
        GRIDLINK_WORKER_POLL_SECONDS="0.2",
        GRIDLINK_DATABASE_POOL_TIMEOUT_SECONDS="2",
    )


@pytest.mark.slow
def test_sign_ins_in_flight_survive_a_database_restart(
    own_postgres: OwnPostgres, env: dict[str, str], tmp_path: Path
) -> None:
    pair = create_client(env)
    port = free_port()
    api_log = (tmp_path / "api.log").open("wb")
    worker_log = (tmp_path / "worker.log").open("wb")
    api = start(["serve", "--port", str(port), "--no-worker"], env, api_log)
    worker = start(["worker"], env, worker_log)
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base)
        with httpx.Client(base_url=base, timeout=30) as http:
            waiting = []
            for n in range(SIGN_INS):
                headers = open_connect(http, pair, f"user-{n}")
                attempt = http.post(
                    "/connect/api/attempts",
                    json={"username": "user_mfa_sms", "password": "pass_good"},
                    headers=headers,
                ).json()
                waiting.append((headers, follow(http, headers, attempt, {"mfa_code", *ENDED})))
            assert [a["status"] for _, a in waiting] == ["mfa_code"] * SIGN_INS

            own_postgres.stop()
            # While it is away the API says so, in its error shape, and asks to retry.
            down = http.get(
                "/v1/utility_credentials", auth=(pair["client_id"], pair["client_secret"])
            )
            assert down.status_code == 503, down.text
            assert down.json()["error"]["code"] == "database_unavailable"
            assert down.json()["error"]["request_id"] == down.headers["X-Request-Id"]
            assert int(down.headers["Retry-After"]) > 0
            not_ready = http.get("/readyz")
            assert not_ready.status_code == 503
            assert not_ready.json()["error"]["code"] == "database_unavailable"
            time.sleep(4)  # several claim and heartbeat rounds fail meanwhile
            own_postgres.start()
            wait_ready(base, seconds=30)

            for headers, attempt in waiting:
                coded = http.post(
                    f"/connect/api/attempts/{attempt['id']}/mfa/code",
                    json={"code": "123456"},
                    headers=headers,
                )
                assert coded.status_code == 200, coded.text
                done = follow(http, headers, coded.json(), ENDED)
                assert (done["status"], done.get("status_detail")) == ("verified", None)
        assert worker.poll() is None
        assert api.poll() is None
    finally:
        stop(api, worker)
        api_log.close()
        worker_log.close()
    logged = (tmp_path / "worker.log").read_text()
    assert "could not claim connection attempts" in logged  # the outage did reach the worker
    assert "CONNECTION_INTERRUPTED" not in logged
    assert "Traceback" not in logged  # an expected outage is a warning line, not a crash
