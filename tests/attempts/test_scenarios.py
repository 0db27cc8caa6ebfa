"""Every sandbox scenario, driven through the widget API alone, on both databases."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from gridlink.models import UtilityCredential
from tests.attempts.flows import WidgetSession, connect_token, open_session, sign_in
from tests.factories import TestClient, make_client


async def credential(app: FastAPI, credential_id: str) -> UtilityCredential:
    async with app.state.db.transaction(write=False) as session:
        row = await session.scalar(
            select(UtilityCredential).where(UtilityCredential.id == credential_id)
        )
    assert row is not None
    return row


async def event_types(api: httpx.AsyncClient, client: TestClient) -> list[str]:
    events = (await api.get("/v1/events", params={"limit": 100}, auth=client.auth)).json()
    return [e["type"] for e in events["data"]]


@pytest.mark.parametrize(
    ("username", "password", "status", "detail", "action", "event"),
    [
        (
            "user_locked",
            "pass_good",
            "rejected",
            "ACCOUNT_LOCKED",
            True,
            "utility_credential_rejected",
        ),
        (
            "user_good",
            "nope",
            "rejected",
            "INVALID_CREDENTIALS",
            True,
            "utility_credential_rejected",
        ),
        (
            "user_unsupported_mfa",
            "pass_good",
            "rejected",
            "UNSUPPORTED_MULTI_FACTOR_AUTHENTICATION",
            False,
            "utility_credential_rejected",
        ),
        (
            "user_down",
            "pass_good",
            "error",
            "UTILITY_UNAVAILABLE",
            False,
            "utility_credential_verification_error",
        ),
        (
            "user_timeout",
            "pass_good",
            "timeout",
            "UTILITY_UNAVAILABLE",
            False,
            "utility_credential_timeout",
        ),
    ],
)
async def test_failures_end_with_their_status_and_event(
    app: FastAPI,
    api: httpx.AsyncClient,
    username: str,
    password: str,
    status: str,
    detail: str,
    action: bool,
    event: str,
) -> None:
    client = await make_client(app)
    _widget, attempt = await sign_in(api, client, username, password)
    assert (attempt["status"], attempt["status_detail"]) == (status, detail)
    assert attempt["message"]
    row = await credential(app, attempt["utility_credential_id"])
    assert (row.status, row.status_detail, row.action_required) == (status, detail, action)
    assert event in await event_types(api, client)


async def test_user_multi_discovers_three_accounts(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    _widget, attempt = await sign_in(api, client, "user_multi", utility_id="sandbox_combined")
    assert attempt["status"] == "verified"
    assert len(attempt["accounts"]) == 3
    assert all(a["number"].startswith("****") for a in attempt["accounts"])


async def _mfa(widget: WidgetSession, attempt: dict[str, Any], code: str) -> dict[str, Any]:
    response = await widget.post(f"/attempts/{attempt['id']}/mfa/code", {"code": code})
    assert response.status_code == 200, response.text
    return await _after(widget, response.json(), attempt["seq"])


async def _after(widget: WidgetSession, attempt: dict[str, Any], seq: int) -> dict[str, Any]:
    """The next state the worker commits after ``seq``."""
    for _ in range(40):
        response = await widget.get(f"/attempts/{attempt['id']}", after_seq=seq, wait=5)
        body = response.json()
        if body["seq"] > seq and body["status"] != "connecting":
            return dict(body)
        seq = max(seq, body["seq"] - 1) if body["status"] == "connecting" else seq
    raise AssertionError("no change")


@pytest.mark.parametrize(
    ("username", "method"),
    [("user_mfa_sms", "sms"), ("user_mfa_call", "call"), ("user_mfa_email", "email")],
)
async def test_single_method_mfa_with_one_wrong_code(
    app: FastAPI, api: httpx.AsyncClient, username: str, method: str
) -> None:
    client = await make_client(app)
    widget, attempt = await sign_in(api, client, username)
    assert attempt["status"] == "mfa_code"
    assert attempt["status_detail"] == "MULTI_FACTOR_AUTHENTICATION_REQUIRED"
    options = attempt["mfa"]["options"]
    assert [o["method"] for o in options] == [method]
    assert "*" in options[0]["destination"]
    wrong = await _mfa(widget, attempt, "000000")
    assert wrong["status"] == "mfa_code"
    assert wrong["mfa"]["attempts_left"] == 4
    right = await _mfa(widget, wrong, "123456")
    assert right["status"] == "verified"
    row = await credential(app, right["utility_credential_id"])
    assert row.mfa_session_expires_at is not None


async def test_mfa_choice_then_five_wrong_codes_close_the_challenge(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    widget, attempt = await sign_in(api, client, "user_mfa_choice")
    assert attempt["status"] == "mfa_method"
    assert {o["method"] for o in attempt["mfa"]["options"]} == {"sms", "call", "email"}
    email = next(o for o in attempt["mfa"]["options"] if o["method"] == "email")
    chosen = await widget.post(f"/attempts/{attempt['id']}/mfa/option", {"option_id": email["id"]})
    assert chosen.status_code == 200, chosen.text
    attempt = await _after(widget, chosen.json(), attempt["seq"])
    assert attempt["status"] == "mfa_code"
    assert attempt["mfa"]["selected_option_id"] == email["id"]
    for left in (4, 3, 2, 1):
        attempt = await _mfa(widget, attempt, "999999")
        assert (attempt["status"], attempt["mfa"]["attempts_left"]) == ("mfa_code", left)
    attempt = await _mfa(widget, attempt, "999999")
    assert attempt["status"] == "rejected"
    assert attempt["status_detail"] == "MULTI_FACTOR_AUTHENTICATION_REQUIRED"


async def test_user_slow_goes_pending_then_verifies_with_a_webhook_event(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    widget, attempt = await sign_in(api, client, "user_slow")
    assert attempt["status"] == "pending"
    row = await credential(app, attempt["utility_credential_id"])
    assert row.status == "pending"
    for _ in range(100):
        row = await credential(app, attempt["utility_credential_id"])
        if row.status == "verified":
            break
        await asyncio.sleep(0.05)
    assert row.status == "verified"
    assert "utility_credential_verified" in await event_types(api, client)
    _ = widget


@pytest.mark.parametrize("username", ["user_solar", "user_password_changed"])
async def test_scenarios_that_verify_first(
    app: FastAPI, api: httpx.AsyncClient, username: str
) -> None:
    """user_password_changed fails only at a later sync (the data issue's sync engine)."""
    client = await make_client(app)
    _widget, attempt = await sign_in(api, client, username)
    assert attempt["status"] == "verified"
    assert len(attempt["accounts"]) == 1


async def test_waiting_too_long_for_a_code_times_out(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    widget, attempt = await sign_in(api, client, "user_mfa_sms")
    assert attempt["status"] == "mfa_code"
    finished = await widget.follow(attempt)  # nobody types the code (input timeout is 3 s here)
    assert finished["status"] == "timeout"
    assert "utility_credential_timeout" in await event_types(api, client)


async def test_closing_connect_ends_a_waiting_attempt_at_once(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    widget, attempt = await sign_in(api, client, "user_mfa_sms")
    assert (await widget.post("/session/exit")).status_code == 204
    for _ in range(40):
        row = await credential(app, attempt["utility_credential_id"])
        if row.status != "pending":
            break
        await asyncio.sleep(0.05)
    assert row.status == "timeout"
    again = await widget.get("/session")
    assert again.status_code == 200
    assert again.json()["step"] == "closed"


async def test_duplicate_login_reuses_the_existing_credential(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    _w, first = await sign_in(api, client, "user_good")
    token = await connect_token(api, client, client_user_id="user-1")
    widget = await open_session(api, token)
    chosen = await widget.post("/session/utility", {"utility_id": "sandbox_electric"})
    assert chosen.status_code == 200, chosen.text
    second = await widget.follow(await widget.submit("USER_GOOD "))
    assert second["status"] in ("verified", "rejected")
    assert second["utility_credential_id"] == first["utility_credential_id"]
