"""Dashboard sessions: CSRF on every write, idle and absolute expiry, ending on disable and
password reset, and the headers of /dashboard."""

from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select, update

from gridlink import Settings, create_app
from gridlink.kit.clock import ManualClock
from gridlink.kit.db import Database
from gridlink.models import Operator, OperatorSession
from tests.factories import assert_error
from tests.lifespan import running
from tests.operators.conftest import (
    SESSION,
    Browser,
    Cli,
    audit_rows,
    in_thread,
    make_operator,
    sign_in,
    signed_in,
)


async def _ended(app: FastAPI) -> list[str | None]:
    db: Database = app.state.db
    async with db.transaction(write=False) as session:
        return list((await session.scalars(select(OperatorSession.end_reason))).all())


async def test_a_write_without_this_sessions_csrf_token_is_refused_and_changes_nothing(
    app: FastAPI, browser: Browser
) -> None:
    await make_operator(app)
    async with browser() as client:
        csrf = await signed_in(client)
        assert_error(await client.delete(SESSION), 403, "csrf_failed")
        wrong = await client.delete(SESSION, headers={"X-CSRF-Token": csrf[:-2] + "xx"})
        assert_error(wrong, 403, "csrf_failed")
        assert (await client.get(SESSION)).status_code == 200  # still signed in
        assert await _ended(app) == [None]

        out = await client.delete(SESSION, headers={"X-CSRF-Token": csrf})
        assert out.status_code == 204
        assert 'gridlink_dashboard=""' in out.headers["set-cookie"]
    assert await _ended(app) == ["signed_out"]
    assert "operator.signed_out" in [e.action for e in await audit_rows(app)]


async def test_another_sessions_cookie_does_not_go_with_this_csrf_token(
    app: FastAPI, browser: Browser
) -> None:
    await make_operator(app)
    await make_operator(app, "ben@example.com")
    async with browser() as ana, browser() as ben:
        ana_csrf = await signed_in(ana)
        await signed_in(ben, "ben@example.com")
        refused = await ben.delete(SESSION, headers={"X-CSRF-Token": ana_csrf})
        assert_error(refused, 403, "csrf_failed")
        assert (await ben.get(SESSION)).status_code == 200
    assert await _ended(app) == [None, None]


async def test_no_cookie_or_an_unknown_one_is_unauthorized(app: FastAPI, browser: Browser) -> None:
    async with browser() as client:
        response = await client.get(SESSION)
        assert_error(response, 401, "unauthorized")
        assert "www-authenticate" not in response.headers  # no browser password dialog
        client.cookies.set("gridlink_dashboard", "glos_live_forged", path="/dashboard")
        assert_error(await client.get(SESSION), 401, "unauthorized")


async def test_a_session_ends_after_thirty_idle_minutes(
    app: FastAPI, browser: Browser, clock: ManualClock
) -> None:
    await make_operator(app)
    async with browser() as client:
        await signed_in(client)
        clock.advance(timedelta(minutes=29))
        assert (await client.get(SESSION)).status_code == 200  # moves the idle deadline on
        clock.advance(timedelta(minutes=29))
        answer = await client.get(SESSION)
        assert answer.status_code == 200
        assert answer.json()["idle_expires_at"] == "2026-01-15T13:28:00Z"
        clock.advance(timedelta(minutes=30))
        assert_error(await client.get(SESSION), 401, "session_expired")


async def test_a_session_ends_twelve_hours_after_sign_in_however_active(
    app: FastAPI, browser: Browser, clock: ManualClock
) -> None:
    await make_operator(app)
    async with browser() as client:
        await signed_in(client)
        for _ in range(35):  # 11 h 40 min of activity every 20 minutes
            clock.advance(timedelta(minutes=20))
            assert (await client.get(SESSION)).status_code == 200
        clock.advance(timedelta(minutes=20))
        assert_error(await client.get(SESSION), 401, "session_expired")


async def test_disabling_an_operator_ends_their_sessions(
    app: FastAPI,
    browser: Browser,
    gridlink_cli: Cli,
) -> None:
    await make_operator(app)
    async with browser() as client:
        await signed_in(client)
        result = await in_thread(gridlink_cli, "operators", "disable", "ana@example.com")
        assert result.code == 0, result.err
        assert_error(await client.get(SESSION), 401, "session_expired")
    assert await _ended(app) == ["disabled"]


async def test_a_disabled_operators_open_session_is_refused(
    app: FastAPI, browser: Browser, clock: ManualClock
) -> None:
    """Even a session the disabling did not end (a row written around it) stops working."""
    await make_operator(app)
    async with browser() as client:
        await signed_in(client)
        db: Database = app.state.db
        async with db.transaction() as session:
            await session.execute(update(Operator).values(disabled_at=clock.now()))
        assert_error(await client.get(SESSION), 401, "session_expired")


async def test_a_password_reset_ends_their_sessions(
    app: FastAPI,
    browser: Browser,
    gridlink_cli: Cli,
) -> None:
    await make_operator(app)
    async with browser() as client:
        await signed_in(client)
        result = await in_thread(
            gridlink_cli,
            "operators",
            "reset-password",
            "ana@example.com",
            "--password-stdin",
            stdin="a brand new passphrase",
        )
        assert result.code == 0, result.err
        assert_error(await client.get(SESSION), 401, "session_expired")
    assert await _ended(app) == ["password_reset"]


async def test_dashboard_answers_are_never_framed_or_stored(app: FastAPI, browser: Browser) -> None:
    await make_operator(app)
    async with browser() as client:
        for response in (await client.get(SESSION), await client.post(SESSION, json={})):
            assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
            assert response.headers["x-frame-options"] == "DENY"
            assert response.headers["cache-control"] == "no-store"


async def test_the_timeouts_are_settings(settings: Settings, clock: ManualClock) -> None:
    tuned = settings.model_copy(update={"dashboard_idle_minutes": 5, "dashboard_session_hours": 1})
    async with running(create_app(tuned, clock=clock)) as app:
        await make_operator(app)
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
            answer = (await sign_in(client)).json()
            assert answer["idle_expires_at"] == "2026-01-15T12:05:00Z"
            assert answer["expires_at"] == "2026-01-15T13:00:00Z"
            clock.advance(timedelta(minutes=6))
            assert_error(await client.get(SESSION), 401, "session_expired")
