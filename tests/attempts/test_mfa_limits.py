"""Verification codes are capped per utility login across challenges and sessions, and a
challenge lives 10 minutes however active the end user is (issue 11 item 3, control 35)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from gridlink.attempts import limits
from gridlink.kit.clock import ManualClock
from tests.attempts.flows import WidgetSession, connect_token, open_session
from tests.attempts.test_scenarios import _after, _mfa
from tests.factories import TestClient, assert_error, make_client

RIGHT, WRONG = "123456", "000000"


async def challenge(
    api: httpx.AsyncClient, client: TestClient, user: str = "phone-owner"
) -> tuple[WidgetSession, dict[str, Any]]:
    """A new session and a sign-in as user_mfa_sms, followed until its challenge shows (the
    utility texts a code on the way) or it ended."""
    token = await connect_token(api, client, client_user_id=user, utility_id="sandbox_electric")
    widget = await open_session(api, token)
    attempt = await widget.submit("user_mfa_sms")
    return widget, await widget.follow(attempt, {"mfa_code", "rejected", "timeout", "error"})


async def back(widget: WidgetSession, attempt: dict[str, Any]) -> None:
    """Back from the code screen: the attempt ends without a verdict."""
    response = await widget.post(f"/attempts/{attempt['id']}/cancel")
    assert response.status_code == 200, response.text
    assert (await widget.follow(attempt))["status"] == "cancelled"


async def test_codes_sent_are_capped_per_hour_across_sessions(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    for _ in range(5):
        widget, attempt = await challenge(api, client)
        assert attempt["status"] == "mfa_code"
        await back(widget, attempt)
    _w, sixth = await challenge(api, client)
    assert (sixth["status"], sixth["status_detail"]) == (
        "rejected",
        "MULTI_FACTOR_AUTHENTICATION_RATE_LIMITED",
    )
    status = await api.get(
        f"/v1/utility_credentials/{sixth['utility_credential_id']}", auth=client.auth
    )
    assert status.json()["status_detail"] == "MULTI_FACTOR_AUTHENTICATION_RATE_LIMITED"
    assert sixth["message"] == limits.MFA_SENT_REFUSED
    # Another client's end user with the same utility login is not affected.
    _w, elsewhere = await challenge(api, await make_client(app))
    assert elsewhere["status"] == "mfa_code"
    clock.advance(timedelta(hours=1, seconds=1))
    widget, later = await challenge(api, client)
    assert later["status"] == "mfa_code"
    assert (await _mfa(widget, later, RIGHT))["status"] == "verified"


async def test_codes_sent_are_capped_per_day(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    for _hour in range(2):
        for _ in range(5):
            widget, attempt = await challenge(api, client)
            assert attempt["status"] == "mfa_code"
            await back(widget, attempt)
        clock.advance(timedelta(hours=1, seconds=1))
    _w, eleventh = await challenge(api, client)
    assert eleventh["message"] == limits.MFA_SENT_REFUSED
    clock.advance(timedelta(hours=22))
    _w, next_day = await challenge(api, client)
    assert next_day["status"] == "mfa_code"


async def test_resending_counts_and_the_code_sent_last_still_works(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    widget, attempt = await challenge(api, client)  # one code sent
    for _ in range(4):  # four more
        resent = await widget.post(f"/attempts/{attempt['id']}/mfa/resend")
        assert resent.status_code == 200, resent.text
        attempt = await _after(widget, resent.json(), attempt["seq"])
        assert attempt["message"] != limits.MFA_SENT_REFUSED
    refused = await widget.post(f"/attempts/{attempt['id']}/mfa/resend")
    attempt = await _after(widget, refused.json(), attempt["seq"])
    assert (attempt["status"], attempt["message"]) == ("mfa_code", limits.MFA_SENT_REFUSED)
    assert (await _mfa(widget, attempt, RIGHT))["status"] == "verified"


async def test_codes_tried_are_capped_across_challenges(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    for _ in range(2):  # 4 wrong codes each, then Back: the per-challenge 5 never trips
        widget, attempt = await challenge(api, client)
        for _wrong in range(4):
            attempt = await _mfa(widget, attempt, WRONG)
        assert attempt["status"] == "mfa_code"
        await back(widget, attempt)
    widget, attempt = await challenge(api, client)
    for _wrong in range(2):
        attempt = await _mfa(widget, attempt, WRONG)
    # Ten codes tried this hour: even the right one is not passed on to the utility.
    stopped = await _mfa(widget, attempt, RIGHT)
    assert (stopped["status"], stopped["message"]) == ("rejected", limits.MFA_TRIED_REFUSED)
    assert stopped["status_detail"] == "MULTI_FACTOR_AUTHENTICATION_RATE_LIMITED"
    # No new code is sent for a login that may not try one.
    _w, fourth = await challenge(api, client)
    assert (fourth["status"], fourth["message"]) == ("rejected", limits.MFA_TRIED_REFUSED)
    clock.advance(timedelta(hours=1, seconds=1))
    widget, attempt = await challenge(api, client)
    assert (await _mfa(widget, attempt, RIGHT))["status"] == "verified"


async def test_a_failed_verification_counts_as_a_failed_sign_in(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    token = await connect_token(api, client, client_user_id="u", utility_id="sandbox_electric")
    widget = await open_session(api, token)
    attempt = await widget.follow(await widget.submit("user_mfa_sms"), {"mfa_code"})
    for _ in range(5):
        attempt = await _mfa(widget, attempt, WRONG)
    assert attempt["status"] == "rejected"
    for _ in range(2):
        wrong = await widget.follow(await widget.submit("user_mfa_sms", "wrong"))
        assert wrong["status"] == "rejected"
    # One failed verification + two wrong passwords: the token's three failures.
    fourth = await widget.post("/attempts", {"username": "user_mfa_sms", "password": "pass_good"})
    assert_error(fourth, 429, "rate_limited")


async def test_a_challenge_lives_ten_minutes_however_active(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    widget, attempt = await challenge(api, client)
    clock.advance(timedelta(minutes=6))
    resent = await widget.post(f"/attempts/{attempt['id']}/mfa/resend")  # activity
    attempt = await _after(widget, resent.json(), attempt["seq"])
    assert attempt["status"] == "mfa_code"
    clock.advance(timedelta(minutes=4, seconds=1))
    expired = await _mfa(widget, attempt, RIGHT)
    assert (expired["status"], expired["status_detail"]) == (
        "timeout",
        "MULTI_FACTOR_AUTHENTICATION_REQUIRED",
    )
    assert "expired" in expired["message"]
    status = await api.get(
        f"/v1/utility_credentials/{expired['utility_credential_id']}", auth=client.auth
    )
    assert status.json()["status"] == "timeout"


async def test_a_code_is_used_once(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    widget, attempt = await challenge(api, client)
    done = await _mfa(widget, attempt, RIGHT)
    assert done["status"] == "verified"
    replay = await widget.post(f"/attempts/{attempt['id']}/mfa/code", {"code": RIGHT})
    assert_error(replay, 409, "conflict")
