"""Back during MFA: POST /connect/api/attempts/{id}/cancel ends the sign-in as `cancelled`,
says nothing about the credential, and lets a new sign-in start."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.attempts.flows import connect_token, open_session, sign_in
from tests.factories import make_client


async def _credential(api: httpx.AsyncClient, auth: httpx.Auth, credential_id: str) -> dict:  # type: ignore[type-arg]
    response = await api.get(f"/v1/utility_credentials/{credential_id}", auth=auth)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def test_cancel_on_the_method_screen_ends_the_attempt_without_a_verdict(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    widget, attempt = await sign_in(api, client, "user_mfa_choice")
    assert attempt["status"] == "mfa_method", attempt
    answer = await widget.post(f"/attempts/{attempt['id']}/cancel")
    assert answer.status_code == 200, answer.text
    ended = await widget.follow(answer.json())
    assert ended["status"] == "cancelled"
    assert ended["finished"] is True
    assert ended["status_detail"] is None
    credential = await _credential(api, client.auth, attempt["utility_credential_id"])
    assert credential["status"] == "pending"  # nothing was decided about this login
    assert credential["action_required"] is False
    events = (await api.get("/v1/events", auth=client.auth)).json()["data"]
    assert not [e for e in events if e["type"].startswith("utility_credential_")], events
    # The session goes on: the credentials step again, and a new sign-in is accepted.
    view = (await widget.get("/session")).json()
    assert view["step"] == "credentials"
    assert view["attempt"]["status"] == "cancelled"


async def test_closing_connect_after_back_ends_the_new_credential_as_timeout(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    """A credential made for a sign-in the end user went Back from, then abandoned, must not stay
    ``pending`` (which promises the app a later result): it ends as an abandoned MFA does."""
    client = await make_client(app)
    widget, attempt = await sign_in(api, client, "user_mfa_sms")
    cancelled = await widget.follow((await widget.post(f"/attempts/{attempt['id']}/cancel")).json())
    assert cancelled["status"] == "cancelled"
    closed = await widget.post("/session/exit")
    assert closed.status_code == 204, closed.text
    credential = await _credential(api, client.auth, attempt["utility_credential_id"])
    assert credential["status"] == "timeout"
    assert credential["status_detail"] == "MULTI_FACTOR_AUTHENTICATION_REQUIRED"
    assert credential["action_required"] is True
    events = (await api.get("/v1/events", auth=client.auth)).json()["data"]
    assert [e["type"] for e in events if e["type"].startswith("utility_credential_")] == [
        "utility_credential_timeout"
    ]


async def test_a_new_sign_in_after_cancel_on_the_code_screen_verifies(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    widget, attempt = await sign_in(api, client, "user_mfa_sms")  # one option: straight to the code
    assert attempt["status"] == "mfa_code", attempt
    refused = await widget.post("/attempts", {"username": "user_mfa_sms", "password": "pass_good"})
    assert refused.status_code == 409  # a running attempt blocks the next sign-in ...
    cancelled = await widget.follow((await widget.post(f"/attempts/{attempt['id']}/cancel")).json())
    assert cancelled["status"] == "cancelled"
    again = await widget.follow(
        await widget.submit("user_mfa_sms"), {"mfa_code", "verified", "rejected", "error"}
    )  # ... and no longer once it is cancelled
    assert again["status"] == "mfa_code"
    code = await widget.post(f"/attempts/{again['id']}/mfa/code", {"code": "123456"})
    assert code.status_code == 200, code.text
    done = await widget.follow(code.json())
    assert done["status"] == "verified"
    assert done["utility_credential_id"] == attempt["utility_credential_id"]  # no duplicate


async def test_cancel_of_a_finished_attempt_is_refused(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    widget, attempt = await sign_in(api, client, "user_good", "wrong")
    assert attempt["status"] == "rejected"
    refused = await widget.post(f"/attempts/{attempt['id']}/cancel")
    assert refused.status_code == 409
    assert refused.json()["error"]["code"] == "attempt_finished"
    assert "already finished" in refused.json()["error"]["message"]
    unknown = await widget.post("/attempts/att_unknown/cancel")
    assert unknown.status_code == 404


async def test_cancel_in_update_mode_leaves_a_verified_credential_untouched(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    _widget, attempt = await sign_in(api, client, "user_good")
    assert attempt["status"] == "verified"
    credential_id = attempt["utility_credential_id"]
    before = await _credential(api, client.auth, credential_id)
    token = await connect_token(api, client, utility_credential_id=credential_id)
    repair = await open_session(api, token)
    started = await repair.follow(await repair.submit("user_mfa_sms"), {"mfa_code"})
    ended = await repair.follow((await repair.post(f"/attempts/{started['id']}/cancel")).json())
    assert ended["status"] == "cancelled"
    after = await _credential(api, client.auth, credential_id)
    assert after["status"] == before["status"] == "verified"
    assert after["updated_at"] == before["updated_at"]


async def test_cancel_leaves_a_failed_credential_as_it_was(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    widget, first = await sign_in(api, client, "user_mfa_choice", "wrong")
    assert first["status"] == "rejected"
    started = await widget.follow(await widget.submit("user_mfa_choice"), {"mfa_method"})
    ended = await widget.follow((await widget.post(f"/attempts/{started['id']}/cancel")).json())
    assert ended["status"] == "cancelled"
    credential = await _credential(api, client.auth, first["utility_credential_id"])
    assert credential["status"] == "rejected"
    assert credential["status_detail"] == "INVALID_CREDENTIALS"
