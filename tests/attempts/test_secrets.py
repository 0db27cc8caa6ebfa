"""A canary password and MFA code never appear in logs, events, error bodies or the database
outside ciphertext."""

from __future__ import annotations

import io
import logging
import subprocess
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy.engine import make_url

from gridlink.kit.logging import configure_logging
from tests.attempts.flows import connect_token, open_session
from tests.factories import make_client

CANARY_PASSWORD = "pw-canary-5f3e9a"
CANARY_CODE = "770077"


def _database_bytes(db_url: str) -> bytes:
    url = make_url(db_url)
    if url.get_backend_name() == "sqlite":
        path = Path(str(url.database))
        return b"".join(p.read_bytes() for p in (path, Path(f"{path}-wal")) if p.exists())
    dump = subprocess.run(
        [
            "pg_dump",
            "-h",
            url.host or "127.0.0.1",
            "-p",
            str(url.port or 5432),
            "-U",
            url.username or "postgres",
            "--data-only",
            str(url.database),
        ],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return dump.stdout


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = configure_logging("debug", stream)
    yield stream
    logging.getLogger().removeHandler(handler)


async def test_canaries_stay_secret(
    app: FastAPI, api: httpx.AsyncClient, db_url: str, captured_logs: io.StringIO
) -> None:
    client = await make_client(app)
    token = await connect_token(api, client, client_user_id="u", utility_id="sandbox_electric")
    widget = await open_session(api, token)
    rejected = await widget.follow(await widget.submit("user_good", CANARY_PASSWORD))
    assert rejected["status"] == "rejected"
    attempt = await widget.follow(
        await widget.submit("user_mfa_sms", "pass_good"), {"mfa_code", "verified", "rejected"}
    )
    wrong = await widget.post(f"/attempts/{attempt['id']}/mfa/code", {"code": CANARY_CODE})
    assert wrong.status_code == 200
    bodies = [rejected, wrong.text]
    seq = attempt["seq"]
    for _ in range(20):
        state = (await widget.get(f"/attempts/{attempt['id']}", after_seq=seq, wait=5)).json()
        bodies.append(state)
        if state["status"] == "mfa_code" and state["mfa"]["attempts_left"] == 4:
            break
        seq = state["seq"]
    bad_input = await widget.post(
        f"/attempts/{attempt['id']}/mfa/code", {"code": CANARY_CODE + "!!"}
    )
    bodies.append(bad_input.text)
    events = (await api.get("/v1/events", params={"limit": 100}, auth=client.auth)).text
    haystacks = {
        "responses": str(bodies).encode(),
        "events": events.encode(),
        "logs": captured_logs.getvalue().encode(),
        "database": _database_bytes(db_url),
    }
    assert client.id.encode() in haystacks["database"]  # the search can find things
    for name, haystack in haystacks.items():
        assert CANARY_PASSWORD.encode() not in haystack, name
        assert CANARY_CODE.encode() not in haystack, name
