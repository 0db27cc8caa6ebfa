"""Gridlink's own commands as real processes: start them, wait until ready, follow a sign-in.

What tests of several processes share (an API and workers on PostgreSQL, behind PgBouncer or
nginx): nothing in-process, so each process has its own pool, loops and event loop, as deployed.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from pathlib import Path
from typing import IO, Any

import httpx

GRIDLINK = str(Path(sys.executable).parent / "gridlink")
ENDED = {"verified", "rejected", "error", "timeout", "cancelled"}


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


def create_client(env: dict[str, str]) -> dict[str, str]:
    created = subprocess.run(
        [GRIDLINK, "clients", "create", "Acme", "--origin", "https://app.example", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    pair: dict[str, str] = json.loads(created.stdout)
    return pair
