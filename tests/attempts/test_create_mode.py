from __future__ import annotations

import httpx
from fastapi import FastAPI

from tests.attempts.flows import connect_token, open_session, sign_in
from tests.factories import make_client


async def test_user_good_verifies_and_hands_over_an_authorization_code(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    widget, attempt = await sign_in(api, client, "user_good")
    assert attempt["status"] == "verified", attempt
    assert len(attempt["accounts"]) == 1
    done = await widget.post(f"/attempts/{attempt['id']}/complete")
    assert done.status_code == 200, done.text
    result = done.json()
    assert result["utility_credential_id"] == attempt["utility_credential_id"]
    assert result["authorization_code"].startswith("glac_sandbox_")
    assert result["client_user_id"] == "user-1"  # for the bare iframe's gridlink:connected
    events = (await api.get("/v1/events", auth=client.auth)).json()["data"]
    types = [e["type"] for e in events]
    assert "utility_credential_verified" in types
    assert "utility_accounts_discovered" in types


async def test_wrong_password_is_rejected_then_retry_succeeds(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    token = await connect_token(api, client, client_user_id="u", utility_id="sandbox_electric")
    widget = await open_session(api, token)
    first = await widget.follow(await widget.submit("user_good", "wrong"))
    assert first["status"] == "rejected"
    assert first["status_detail"] == "INVALID_CREDENTIALS"
    second = await widget.follow(await widget.submit("user_good", "pass_good"))
    assert second["status"] == "verified"
    assert second["utility_credential_id"] == first["utility_credential_id"]
