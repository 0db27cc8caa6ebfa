"""Every log line written while a job runs carries the job's ids, through the real formatter:
the attempt and credential of a sign-in, the sync and credential of a sync, with a job request
id of its own. A connector that crashes is what makes the engine write a line mid-job."""

from __future__ import annotations

import asyncio
import io
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gridlink import Settings
from gridlink.kit.clock import ManualClock
from tests.attempts.flows import connect_token, open_session
from tests.attempts.test_connector_crash import (
    CRASHING,
    CRASHING_LATER,
    registry_with_crashing,
)
from tests.factories import make_client
from tests.lifespan import running_with_connectors


@pytest.fixture
async def app(
    settings: Settings, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FastAPI]:
    async with running_with_connectors(settings, clock, monkeypatch, registry_with_crashing) as app:
        yield app


async def _line(stream: io.StringIO, message: str) -> dict[str, Any]:
    for _ in range(200):
        for line in stream.getvalue().splitlines():
            entry: dict[str, Any] = json.loads(line)
            if entry["msg"] == message:
                return entry
        await asyncio.sleep(0.05)
    raise AssertionError(f"never logged: {message}")


async def test_a_sign_in_logs_with_its_attempt_and_credential(
    app: FastAPI, api: httpx.AsyncClient, captured_logs: io.StringIO
) -> None:
    client = await make_client(app)
    token = await connect_token(api, client, client_user_id="u", utility_id=CRASHING)
    widget = await open_session(api, token)
    attempt = await widget.follow(await widget.submit("someone", "secret"), {"mfa_code"})
    sent = await widget.post(f"/attempts/{attempt['id']}/mfa/code", {"code": "123456"})
    ended = await widget.follow(sent.json())
    assert ended["status"] == "error", ended
    line = await _line(captured_logs, "connection attempt crashed")
    assert line["attempt_id"] == attempt["id"]
    assert line["credential_id"] == ended["utility_credential_id"]
    assert line["request_id"].startswith("job_")
    assert sent.headers["X-Request-Id"] != line["request_id"]


async def test_a_sync_logs_with_its_sync_and_credential(
    app: FastAPI, api: httpx.AsyncClient, captured_logs: io.StringIO
) -> None:
    client = await make_client(app)
    token = await connect_token(api, client, client_user_id="u", utility_id=CRASHING_LATER)
    widget = await open_session(api, token)
    verified = await widget.follow(await widget.submit("someone", "secret"))
    assert verified["status"] == "verified", verified  # the backfill starts now, and crashes
    line = await _line(captured_logs, "sync failed")
    assert line["credential_id"] == verified["utility_credential_id"]
    assert line["sync_id"].startswith("syn_")
    assert line["request_id"].startswith("job_")
    assert "attempt_id" not in line  # the sign-in's ids stay with the sign-in
