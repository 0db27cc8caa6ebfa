from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from gridlink.credentials.mfa_expiry import JOB_LIMIT, WARN_AHEAD, check_mfa_sessions
from gridlink.credentials.mfa_repository import MfaSessionRepository
from gridlink.kit.clock import ManualClock
from gridlink.models import UtilityCredential
from gridlink.worker.registry import JOBS
from gridlink.worker.runner import Worker
from tests.credentials.helpers import add_credential, events_of, get_credential_row
from tests.factories import TestClient, make_client

EXPIRING = "utility_credential_mfa_expiring"
REFRESH = "utility_credential_mfa_refresh_required"
DETAIL = "MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED"


async def _check(app: FastAPI, **kwargs: object) -> int:
    async with app.state.db.transaction() as session:
        return await check_mfa_sessions(session, app.state.clock, **kwargs)  # type: ignore[arg-type]


async def _expiring_in(
    app: FastAPI, client: TestClient, delta: timedelta, **columns: object
) -> str:
    now = app.state.clock.now()
    return await add_credential(app, client, mfa_session_expires_at=now + delta, **columns)


async def test_warns_once_when_the_session_ends_within_seven_days(
    app: FastAPI, clock: ManualClock
) -> None:
    client = await make_client(app)
    due = await _expiring_in(app, client, WARN_AHEAD)
    later = await _expiring_in(app, client, WARN_AHEAD + timedelta(seconds=1))
    assert await _check(app) == 1
    assert await _check(app) == 0
    events = await events_of(app, client.id)
    assert [(e.type, e.utility_credential_id) for e in events] == [(EXPIRING, due)]
    assert events[0].data == {
        "client_user_id": "user-1",
        "utility_credential_id": due,
        "sequence": 1,
        "utility_id": "sandbox_electric",
        "expires_at": "2026-01-22T12:00:00Z",
    }
    row = await get_credential_row(app, due)
    assert row is not None
    assert row.mfa_expiring_notified_at == clock.now()
    assert (row.status, row.action_required) == ("verified", False)

    clock.advance(timedelta(seconds=1))
    assert await _check(app) == 1
    assert [e.utility_credential_id for e in await events_of(app, client.id, EXPIRING)] == [
        due,
        later,
    ]


async def test_an_expired_session_rejects_the_credential_once(
    app: FastAPI, clock: ManualClock
) -> None:
    client = await make_client(app)
    credential_id = await _expiring_in(app, client, timedelta(days=3))
    assert await _check(app) == 1  # the warning
    clock.advance(timedelta(days=3))  # expiry is inclusive: expires_at == now is expired
    assert await _check(app) == 1
    assert await _check(app) == 0
    row = await get_credential_row(app, credential_id)
    assert row is not None
    assert (row.status, row.status_detail, row.action_required) == ("rejected", DETAIL, True)
    assert row.updated_at == clock.now()
    refresh = await events_of(app, client.id, REFRESH)
    assert len(refresh) == 1
    assert refresh[0].data == {
        "client_user_id": "user-1",
        "utility_credential_id": credential_id,
        "sequence": 2,
        "utility_id": "sandbox_electric",
        "status": "rejected",
        "status_detail": DETAIL,
        "action_required": True,
    }


async def test_a_session_found_already_expired_gets_no_warning(app: FastAPI) -> None:
    client = await make_client(app)
    await _expiring_in(app, client, -timedelta(hours=1))
    assert await _check(app) == 1
    assert [e.type for e in await events_of(app, client.id)] == [REFRESH]


async def test_only_verified_credentials_with_a_session_are_checked(app: FastAPI) -> None:
    client = await make_client(app)
    for status in ("pending", "rejected", "timeout", "error"):
        await _expiring_in(app, client, -timedelta(days=1), status=status)
    await add_credential(app, client)  # verified, no MFA session
    assert await _check(app) == 0
    assert await events_of(app, client.id) == []


async def test_a_new_session_is_warned_about_again(app: FastAPI, clock: ManualClock) -> None:
    """The engine clears mfa_expiring_notified_at when it stores a new MFA session."""
    client = await make_client(app)
    credential_id = await _expiring_in(app, client, timedelta(days=2))
    assert await _check(app) == 1
    async with app.state.db.transaction() as session:
        await session.execute(
            update(UtilityCredential)
            .where(UtilityCredential.id == credential_id)
            .values(
                mfa_session_expires_at=clock.now() + timedelta(days=5),
                mfa_expiring_notified_at=None,
            )
        )
    assert await _check(app) == 1
    assert len(await events_of(app, client.id, EXPIRING)) == 2


async def test_each_client_is_checked_on_its_own_clock(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    ahead = await make_client(app)
    behind = await make_client(app, name="Other")
    live = await make_client(app, name="Live", environment="live")
    moved = await api.post("/v1/sandbox/clock", json={"advance_seconds": 86400}, auth=ahead.auth)
    assert moved.status_code == 200
    for client in (ahead, behind, live):
        await _expiring_in(app, client, timedelta(hours=12))
        await _expiring_in(app, client, timedelta(days=7, hours=12))
    # A day ahead, one session has expired and the other ends within 7 days.
    assert await _check(app) == 4
    assert [e.type for e in await events_of(app, ahead.id)] == [REFRESH, EXPIRING]
    for client in (behind, live):
        assert [e.type for e in await events_of(app, client.id)] == [EXPIRING]


async def test_one_client_only(app: FastAPI) -> None:
    mine = await make_client(app)
    other = await make_client(app, name="Other")
    await _expiring_in(app, mine, timedelta(days=1))
    await _expiring_in(app, other, timedelta(days=1))
    assert await _check(app, client_id=mine.id) == 1
    assert await events_of(app, other.id) == []


async def test_moving_the_sandbox_clock_sends_the_events_before_it_answers(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    credential_id = await _expiring_in(app, client, timedelta(days=30))
    await api.post("/v1/sandbox/clock", json={"advance_seconds": 22 * 86400}, auth=client.auth)
    assert [e.type for e in await events_of(app, client.id)] == []
    await api.post("/v1/sandbox/clock", json={"advance_seconds": 86400}, auth=client.auth)
    polled = await api.get("/v1/events", auth=client.auth)
    assert [e["type"] for e in polled.json()["data"]] == [EXPIRING]
    await api.post("/v1/sandbox/clock", json={"now": "2026-02-14T12:00:00Z"}, auth=client.auth)
    polled = await api.get("/v1/events", auth=client.auth)
    assert [e["type"] for e in polled.json()["data"]] == [EXPIRING, REFRESH]
    body = (await api.get(f"/v1/utility_credentials/{credential_id}", auth=client.auth)).json()
    assert (body["status"], body["status_detail"], body["action_required"]) == (
        "rejected",
        DETAIL,
        True,
    )
    listed = await api.get(
        "/v1/utility_credentials", params={"status_detail": DETAIL}, auth=client.auth
    )
    assert [c["id"] for c in listed.json()["data"]] == [credential_id]


async def test_concurrent_checks_send_each_event_once(app: FastAPI) -> None:
    """Full checks (workers) and one-client checks (sandbox clock moves) at once, on
    PostgreSQL truly in parallel: each credential is claimed by exactly one of them."""
    clients = [await make_client(app, name=f"Client {i}") for i in range(3)]
    for client in clients:
        for days in (-1, -2, 1, 2, 3):
            await _expiring_in(app, client, timedelta(days=days))
    checks = [_check(app) for _ in range(3)]
    checks += [_check(app, client_id=c.id) for c in clients for _ in range(2)]
    done = await asyncio.gather(*checks)
    assert sum(done) == 15
    for client in clients:
        events = await events_of(app, client.id)
        assert sorted(e.type for e in events) == [EXPIRING] * 3 + [REFRESH] * 2
        assert len({e.utility_credential_id for e in events}) == 5


async def test_a_limit_leaves_the_rest_for_later(app: FastAPI) -> None:
    client = await make_client(app)
    for _ in range(5):
        await _expiring_in(app, client, -timedelta(days=1))
    assert await _check(app, limit=2) == 2
    assert await _check(app, limit=2) == 2
    assert await _check(app, limit=2) == 1
    assert await _check(app, limit=2) == 0


async def test_the_worker_runs_the_check_every_minute(app: FastAPI) -> None:
    job = next(j for j in JOBS if j.name == "check_mfa_sessions")
    assert job.every == timedelta(minutes=1)
    assert JOB_LIMIT >= 100
    client = await make_client(app)
    await _expiring_in(app, client, timedelta(0))
    worker = Worker(app.state.db, app.state.clock, [job])
    assert await worker.run_due() == {"check_mfa_sessions": 1}


async def test_a_full_check_skips_its_turn_while_another_runs(app: FastAPI) -> None:
    client = await make_client(app)
    await _expiring_in(app, client, -timedelta(days=1))
    if app.state.db.is_sqlite:
        pytest.skip("SQLite runs one writer at a time; there is no other check to wait for")
    async with app.state.db.transaction() as holder:
        assert await MfaSessionRepository(holder).try_lock_whole_check()
        assert await _check(app) == 0
        assert await _check(app, client_id=client.id) == 1  # one client's check still runs
