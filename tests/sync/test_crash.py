"""The process running a backfill SIGKILLed at several points on PostgreSQL: a standalone
`gridlink worker`'s sync process (ADR 0024), which the worker starts again; the new one resumes
from the checkpoint, and the stored data equals a crash-free run's, row for row."""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from gridlink.kit.db import Database
from gridlink.models import (
    UtilityAccount,
    UtilityCredential,
    UtilityIntervalDay,
    UtilityMeter,
    UtilityStatement,
)
from tests.attempts.test_processes import pg_env
from tests.own_postgres import free_port
from tests.processes import GRIDLINK, children_of, start, wait_ready

__all__ = ["pg_env"]

SKIP = {"id", "client_id", "credential_id", "account_id", "meter_id", "created_at", "updated_at"}


def _verify(http: httpx.Client, auth: tuple[str, str], user: str) -> str:
    response = http.post(
        "/v1/sandbox/utility_credentials",
        json={
            "client_user_id": user,
            "utility_id": "sandbox_electric",
            "username": "user_good",
            "password": "pass_good",
        },
        auth=auth,
    )
    assert response.status_code in (200, 201), response.text
    return str(response.json()["utility_credential_id"])


def _sync(http: httpx.Client, auth: tuple[str, str], credential_id: str) -> dict[str, Any]:
    body = http.get(f"/v1/utility_credentials/{credential_id}", auth=auth).json()
    return dict(body["sync"] or {})


def _wait_synced(http: httpx.Client, auth: tuple[str, str], credential_id: str) -> None:
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        sync = _sync(http, auth, credential_id)
        if (sync.get("state"), sync.get("kind")) == ("scheduled", "scheduled"):
            return
        time.sleep(0.1)
    raise AssertionError(f"{credential_id} never finished its backfill")


def _rows(model: Any, rows: list[Any], keys: dict[str, str]) -> list[tuple[Any, ...]]:
    """Every row's content, with our ids replaced by the natural keys they stand for."""
    out = []
    for row in rows:
        names = [column.name for column in model.__table__.columns]
        values = {c: getattr(row, c) for c in names if c not in SKIP}
        if hasattr(row, "account_id"):
            values["account"] = keys[row.account_id]
        if hasattr(row, "meter_id"):
            values["meter"] = keys[row.meter_id]
        out.append(tuple(sorted((k, repr(v)) for k, v in values.items())))
    return sorted(out)


async def _stored(url: str, credential_id: str) -> dict[str, list[tuple[Any, ...]]]:
    db = Database(url)
    try:
        async with db.transaction(write=False) as session:
            accounts = list(
                await session.scalars(
                    select(UtilityAccount).where(UtilityAccount.credential_id == credential_id)
                )
            )
            meters = list(
                await session.scalars(
                    select(UtilityMeter).where(UtilityMeter.credential_id == credential_id)
                )
            )
            keys = {a.id: a.number for a in accounts} | {m.id: m.number for m in meters}
            statements = list(
                await session.scalars(
                    select(UtilityStatement).where(UtilityStatement.credential_id == credential_id)
                )
            )
            days = list(
                await session.scalars(
                    select(UtilityIntervalDay).where(
                        UtilityIntervalDay.meter_id.in_([m.id for m in meters])
                    )
                )
            )
            credential = await session.get(UtilityCredential, credential_id)
            assert credential is not None
            assert credential.data_ready_at is not None
            return {
                "accounts": _rows(UtilityAccount, accounts, keys),
                "meters": _rows(UtilityMeter, meters, keys),
                "statements": _rows(UtilityStatement, statements, keys),
                "interval_days": _rows(UtilityIntervalDay, days, keys),
            }
    finally:
        await db.dispose()


@pytest.mark.slow
def test_a_sync_process_killed_mid_backfill_resumes_and_stores_exactly_a_clean_runs_data(
    pg_env: dict[str, str], tmp_path: Path
) -> None:
    env = {
        **pg_env,
        "GRIDLINK_SYNC_HISTORY_MONTHS": "3",
        "GRIDLINK_SYNC_CHUNK_DAYS": "7",
        "GRIDLINK_SYNC_CHUNK_PAUSE_SECONDS": "0.15",
        "GRIDLINK_SYNC_LEASE_SECONDS": "1.5",
        "GRIDLINK_SYNC_POLL_SECONDS": "0.1",
        "GRIDLINK_SYNC_JITTER_SECONDS": "0",
    }
    created = subprocess.run(
        [GRIDLINK, "clients", "create", "Acme", "--origin", "https://app.example", "--json"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    pair = json.loads(created.stdout)
    auth = (pair["client_id"], pair["client_secret"])
    port = free_port()
    api = start(["serve", "--port", str(port), "--no-worker"], env)
    worker = start(["worker"], env)
    kills = 0
    try:
        base = f"http://127.0.0.1:{port}"
        wait_ready(base)
        with httpx.Client(base_url=base, timeout=60) as http:
            crashed = _verify(http, auth, "crashed")
            for threshold in (0.15, 0.4, 0.7):
                deadline = time.monotonic() + 60
                while _sync(http, auth, crashed).get("progress", 0) < threshold:
                    assert time.monotonic() < deadline, "the backfill does not progress"
                    time.sleep(0.02)
                # Killing the worker would not do: its sync process, which runs the backfill,
                # would see it gone and stop gracefully, handing the lease back.
                (syncer,) = children_of(worker.pid)
                os.kill(syncer, signal.SIGKILL)
                kills += 1
                seen = _sync(http, auth, crashed)
                assert seen["state"] == "running"  # a dead process's lease, not yet expired
                assert seen["progress"] < 1
            _wait_synced(http, auth, crashed)
            clean = _verify(http, auth, "clean")
            _wait_synced(http, auth, clean)
    finally:
        for process in (worker, api):
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
    assert kills == 3
    url = env["GRIDLINK_DATABASE_URL"]
    after_crashes = asyncio.run(_stored(url, crashed))
    without = asyncio.run(_stored(url, clean))
    assert len(without["interval_days"]) > 80  # three months of days per meter
    for table in ("accounts", "meters", "statements", "interval_days"):
        assert after_crashes[table] == without[table], table
