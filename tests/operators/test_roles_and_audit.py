"""Roles (GET /dashboard/api/audit is admin only; ``requires`` on a test route), clients an
operator may see, the audit log's listing, its retention, and secrets kept out of logs and
audit entries."""

from __future__ import annotations

import io
import json
from datetime import timedelta
from typing import Annotated

import pytest
from fastapi import APIRouter, Depends, FastAPI

from gridlink.kit.clock import ManualClock
from gridlink.kit.db import Database
from gridlink.operators.dependencies import requires
from gridlink.operators.principal import OperatorPrincipal, Role
from gridlink.operators.service import any_operator
from gridlink.worker.registry import JOBS
from tests.factories import assert_error, make_client
from tests.operators.conftest import (
    PASSWORD,
    SESSION,
    Browser,
    audit_rows,
    code_at,
    enable_totp,
    make_operator,
    sign_in,
    signed_in,
)

AUDIT = "/dashboard/api/audit"


@pytest.fixture
def support_route(app: FastAPI) -> str:
    """A test-only write route that needs the support role, as the data API's will."""
    router = APIRouter()

    @router.post("/dashboard/api/_test/support_action")
    async def support_action(
        operator: Annotated[OperatorPrincipal, Depends(requires(Role.SUPPORT))],
    ) -> dict[str, str]:
        return {"by": operator.id}

    app.include_router(router)
    return "/dashboard/api/_test/support_action"


async def test_the_audit_log_is_for_admins_only(app: FastAPI, browser: Browser) -> None:
    for email, role in (("v@example.com", Role.VIEWER), ("s@example.com", Role.SUPPORT)):
        await make_operator(app, email, role)
        async with browser() as client:
            await signed_in(client, email)
            assert_error(await client.get(AUDIT), 403, "forbidden")
    await make_operator(app, "a@example.com", Role.ADMIN)
    async with browser() as admin:
        await signed_in(admin, "a@example.com")
        response = await admin.get(AUDIT)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"data", "next_cursor"}
    newest = body["data"][0]
    assert newest["action"] == "operator.signed_in"
    assert newest["operator"]["email"] == "a@example.com"
    assert set(newest) == {
        "id",
        "at",
        "operator",
        "action",
        "target_type",
        "target_id",
        "client_id",
        "ip",
        "user_agent",
        "detail",
    }


async def test_requires_refuses_a_lower_role_and_checks_csrf_first(
    app: FastAPI, browser: Browser, support_route: str
) -> None:
    await make_operator(app, "v@example.com", Role.VIEWER)
    await make_operator(app, "s@example.com", Role.SUPPORT)
    async with browser() as viewer:
        csrf = await signed_in(viewer, "v@example.com")
        assert_error(
            await viewer.post(support_route, headers={"X-CSRF-Token": csrf}), 403, "forbidden"
        )
    async with browser() as support:
        csrf = await signed_in(support, "s@example.com")
        assert_error(await support.post(support_route), 403, "csrf_failed")
        done = await support.post(support_route, headers={"X-CSRF-Token": csrf})
        assert done.status_code == 200


async def test_a_client_limited_operator_sees_only_their_clients(
    app: FastAPI, browser: Browser, support_route: str
) -> None:
    client = await make_client(app)
    other = await make_client(app, name="Other")
    await make_operator(app, "s@example.com", Role.SUPPORT, clients=[client.id])
    async with browser() as browser_:
        answer = await sign_in(browser_, "s@example.com")
        assert answer.json()["operator"]["client_ids"] == [client.id]
        # A real dashboard route asks the principal: its client reads, another is unknown.
        mine = await browser_.get("/dashboard/api/overview", params={"client_id": client.id})
        assert mine.status_code == 200
        theirs = await browser_.get("/dashboard/api/overview", params={"client_id": other.id})
        assert_error(theirs, 404, "not_found")


async def test_the_audit_listing_filters_and_pages(app: FastAPI, browser: Browser) -> None:
    admin = await make_operator(app, "a@example.com", Role.ADMIN)
    async with browser() as client:
        for _ in range(3):
            await signed_in(client, "a@example.com")
        await sign_in(client, "a@example.com", "a wrong password")
        first = await client.get(AUDIT, params={"action": "operator.signed_in", "limit": 2})
        page = first.json()
        assert [e["action"] for e in page["data"]] == ["operator.signed_in"] * 2
        assert page["next_cursor"] == page["data"][-1]["id"]
        second = await client.get(
            AUDIT, params={"action": "operator.signed_in", "limit": 2, "after": page["next_cursor"]}
        )
        rest = second.json()
        assert len(rest["data"]) == 1
        assert rest["next_cursor"] is None
        ids = [e["id"] for e in page["data"] + rest["data"]]
        assert ids == sorted(ids, reverse=True)  # newest first
        mine = await client.get(AUDIT, params={"operator_id": admin.id})
        assert {e["operator"]["id"] for e in mine.json()["data"]} == {admin.id}
        failed = await client.get(AUDIT, params={"action": "operator.sign_in_failed"})
        [entry] = failed.json()["data"]
        assert entry["operator"] == {"id": None, "email": "a@example.com"}
        assert entry["detail"] == {"reason": "wrong_password"}
        assert_error(
            await client.get(AUDIT, params={"after": "not-a-cursor"}), 422, "invalid_request"
        )


async def test_audit_entries_are_kept_as_long_as_events(
    app: FastAPI, browser: Browser, clock: ManualClock
) -> None:
    await make_operator(app)
    async with browser() as client:
        await signed_in(client)
    clock.advance(timedelta(days=29))
    async with browser() as client:
        await signed_in(client)
    [job] = [j for j in JOBS if j.name == "purge_operator_records"]
    clock.advance(timedelta(days=1, minutes=1))
    db: Database = app.state.db
    async with db.transaction() as session:
        assert await job.run(session, clock) >= 2  # the entry and the first session
    remaining = await audit_rows(app)
    assert [e.action for e in remaining] == ["operator.signed_in"]
    assert remaining[0].at == clock.now() - timedelta(days=1, minutes=1)


async def test_any_operator(app: FastAPI) -> None:
    db: Database = app.state.db
    async with db.transaction(write=False) as session:
        assert await any_operator(session) is False
    await make_operator(app)
    async with db.transaction(write=False) as session:
        assert await any_operator(session) is True


async def test_no_password_code_token_or_cookie_in_logs_or_audit(
    app: FastAPI, browser: Browser, clock: ManualClock, captured_logs: io.StringIO
) -> None:
    await make_operator(app)
    secret = await enable_totp(app)
    async with browser() as client:
        await sign_in(client, password="a wrong password!")
        await sign_in(client)  # totp_required
        code = code_at(secret, clock)
        signed = await sign_in(client, totp_code=code)
        assert signed.status_code == 200
        csrf = signed.json()["csrf_token"]
        cookie = client.cookies["gridlink_dashboard"]
        await client.delete(SESSION, headers={"X-CSRF-Token": "wrong"})
        await client.delete(SESSION, headers={"X-CSRF-Token": csrf})
    audit = json.dumps(
        [
            [e.operator_email, e.action, e.target_id, e.user_agent, e.detail]
            for e in await audit_rows(app)
        ]
    )
    logs = captured_logs.getvalue()
    assert "operator.signed_out" in audit
    for value in (PASSWORD, "a wrong password!", secret, code, csrf, cookie):
        assert value not in logs, value
        assert value not in audit, value


async def test_record_audit_redacts_secrets_a_caller_passes(
    app: FastAPI, clock: ManualClock
) -> None:
    from gridlink.operators.audit import record_audit

    db: Database = app.state.db
    async with db.transaction() as session:
        await record_audit(
            session,
            clock,
            None,
            "test.action",
            target_type="connect_link",
            target_id="cln_x",
            detail={
                "url": "https://x.example/connect/link#glcl_live_abc?token=abc",
                "password": "p",
            },
        )
    [entry] = await audit_rows(app)
    assert entry.detail["password"] == "[REDACTED]"
    assert "token=abc" not in json.dumps(entry.detail)
