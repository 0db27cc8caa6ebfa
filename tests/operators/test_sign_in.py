"""POST /dashboard/api/session: the one answer for every wrong email or password, Argon2id
rehashing, TOTP (required, accepted, never twice), cookie flags, and what is stored."""

from __future__ import annotations

from datetime import timedelta

from argon2 import PasswordHasher, Type
from fastapi import FastAPI
from sqlalchemy import select, update

from gridlink.kit import tokens
from gridlink.kit.clock import ManualClock
from gridlink.kit.db import Database
from gridlink.models import Operator, OperatorSession
from gridlink.operators.passwords import _dummy_hash
from gridlink.operators.principal import Role
from gridlink.operators.service import disable_operator
from tests.factories import assert_error
from tests.operators.conftest import (
    PASSWORD,
    SESSION,
    Browser,
    audit_rows,
    code_at,
    enable_totp,
    make_operator,
    sign_in,
)


async def _sessions(app: FastAPI) -> list[OperatorSession]:
    db: Database = app.state.db
    async with db.transaction(write=False) as session:
        return list((await session.scalars(select(OperatorSession))).all())


async def test_sign_in_sets_the_cookie_and_answers_the_session(
    app: FastAPI, browser: Browser, clock: ManualClock
) -> None:
    operator = await make_operator(app, "Ana@Example.com", Role.SUPPORT)
    async with browser() as client:
        response = await sign_in(client, "  ANA@example.com ")
        assert response.status_code == 200, response.text
        body = response.json()
        assert body["operator"] == {
            "id": operator.id,
            "email": "ana@example.com",
            "role": "support",
            "client_ids": None,
        }
        assert body["expires_at"] == "2026-01-16T00:00:00Z"  # 12 hours
        assert body["idle_expires_at"] == "2026-01-15T12:30:00Z"  # 30 minutes
        cookie = response.headers["set-cookie"]
        token = client.cookies["gridlink_dashboard"]
        assert tokens.parse(token, tokens.TokenKind.OPERATOR_SESSION) is not None
        flags = [part.strip().lower() for part in cookie.split(";")[1:]]
        assert set(flags) == {"httponly", "samesite=strict", "path=/dashboard"}
        assert response.headers["cache-control"] == "no-store"

        again = await client.get(SESSION)
        assert again.status_code == 200
        assert again.json()["csrf_token"] == body["csrf_token"]
        assert again.json()["operator"]["id"] == operator.id

    [row] = await _sessions(app)
    assert row.token_hash == tokens.digest(token)  # only the digest is stored
    assert row.ip == "203.0.113.7"
    assert row.user_agent == "test-browser/1.0"
    [entry] = [e for e in await audit_rows(app) if e.action == "operator.signed_in"]
    assert entry.operator_id == operator.id
    assert entry.ip == "203.0.113.7"
    assert entry.target_id == row.id


async def test_the_cookie_is_secure_under_https(app: FastAPI, browser: Browser) -> None:
    await make_operator(app)
    async with browser(base_url="https://testserver") as client:
        response = await sign_in(client)
    assert response.status_code == 200
    assert "secure" in [p.strip().lower() for p in response.headers["set-cookie"].split(";")]


async def test_unknown_email_and_wrong_password_read_alike(app: FastAPI, browser: Browser) -> None:
    await make_operator(app)
    checked = _dummy_hash.cache_info().hits + _dummy_hash.cache_info().misses
    async with browser() as client:
        unknown = await sign_in(client, "nobody@example.com")
        # The unknown email's password was checked, against the dummy hash (same cost).
        assert _dummy_hash.cache_info().hits + _dummy_hash.cache_info().misses == checked + 1
        wrong = await sign_in(client, "ana@example.com", "not the password at all")
    first = assert_error(unknown, 401, "sign_in_failed")
    second = assert_error(wrong, 401, "sign_in_failed")
    assert first["message"] == second["message"]
    assert "set-cookie" not in unknown.headers
    assert "set-cookie" not in wrong.headers
    assert "www-authenticate" not in unknown.headers
    assert await _sessions(app) == []
    failed = [e for e in await audit_rows(app) if e.action == "operator.sign_in_failed"]
    assert [(e.operator_email, e.detail["reason"]) for e in failed] == [
        ("nobody@example.com", "unknown_email"),
        ("ana@example.com", "wrong_password"),
    ]
    assert all(e.operator_id is None and e.ip == "203.0.113.7" for e in failed)


async def test_a_disabled_operator_cannot_sign_in(app: FastAPI, browser: Browser) -> None:
    await make_operator(app)
    db: Database = app.state.db
    async with db.transaction() as session:
        await disable_operator(session, app.state.clock, "ana@example.com")
    async with browser() as client:
        response = await sign_in(client)
    assert_error(response, 401, "sign_in_failed")
    assert await _sessions(app) == []


async def test_overly_long_or_non_json_input_is_refused(app: FastAPI, browser: Browser) -> None:
    await make_operator(app)
    async with browser() as client:
        long = await sign_in(client, password="x" * 1025)
        form = await client.post(SESSION, data={"email": "ana@example.com", "password": PASSWORD})
    error = assert_error(long, 422, "invalid_request")
    assert error["fields"] == ["password"]
    assert "1024" in str(error["message"])
    assert_error(form, 422, "invalid_request")


async def test_a_hash_with_old_parameters_is_replaced_on_sign_in(
    app: FastAPI, browser: Browser
) -> None:
    await make_operator(app)
    weak = PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1, type=Type.ID)
    db: Database = app.state.db
    async with db.transaction() as session:
        await session.execute(update(Operator).values(password_hash=weak.hash(PASSWORD)))
    async with browser() as client:
        assert (await sign_in(client)).status_code == 200
    async with db.transaction(write=False) as session:
        stored = (await session.scalars(select(Operator.password_hash))).one()
    assert stored.startswith("$argon2id$v=19$m=65536,t=3,p=4$")
    async with browser() as client:  # and the new hash works
        assert (await sign_in(client)).status_code == 200


async def test_totp_is_required_accepted_once_and_counted_when_wrong(
    app: FastAPI, browser: Browser, clock: ManualClock
) -> None:
    await make_operator(app)
    secret = await enable_totp(app)
    async with browser() as client:
        missing = await sign_in(client)
        error = assert_error(missing, 401, "totp_required")
        assert error["fields"] == ["totp_code"]
        wrong_code = "000000" if code_at(secret, clock) != "000000" else "111111"
        wrong = await sign_in(client, totp_code=wrong_code)
        assert_error(wrong, 401, "totp_required")
        # The right code with a wrong password is still sign_in_failed (no hint about the code).
        assert_error(
            await sign_in(client, password="wrong password!!", totp_code=code_at(secret, clock)),
            401,
            "sign_in_failed",
        )

        code = code_at(secret, clock)
        accepted = await sign_in(client, totp_code=code)
        assert accepted.status_code == 200, accepted.text
    async with browser() as other:
        replay = await sign_in(other, totp_code=code)
        assert_error(replay, 401, "totp_required")
        clock.advance(timedelta(seconds=30))
        later = await sign_in(other, totp_code=code_at(secret, clock))
        assert later.status_code == 200, later.text
    reasons = [
        e.detail.get("reason")
        for e in await audit_rows(app)
        if e.action == "operator.sign_in_failed"
    ]
    assert reasons == ["totp_rejected", "wrong_password", "totp_rejected"]


async def test_an_earlier_code_is_refused_after_a_later_one(
    app: FastAPI, browser: Browser, clock: ManualClock
) -> None:
    """Within the drift window a code of the previous step is valid; once the current step's
    code was used, the previous one is not (it could have been seen over a shoulder)."""
    await make_operator(app)
    secret = await enable_totp(app)
    previous = code_at(secret, ManualClock(clock.now() - timedelta(seconds=30)))
    async with browser() as client:
        assert (await sign_in(client, totp_code=code_at(secret, clock))).status_code == 200
        assert_error(await sign_in(client, totp_code=previous), 401, "totp_required")
