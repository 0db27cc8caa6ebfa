"""Sign-in with an authenticator app's setup key (``password_totp``), through the widget API,
on both databases: the key is required, validated, sealed, replaced in update mode, and used."""

from __future__ import annotations

from typing import Any

import httpx
from fastapi import FastAPI

from gridlink.kit.vault import Owner, SealedValueMissing
from tests.attempts.flows import WidgetSession, connect_token, open_session
from tests.attempts.test_scenarios import credential
from tests.factories import TestClient, assert_error, make_client

UTILITY = "sandbox_authenticator"
KEY = "grid link sand box2"  # the sandbox's key as an app shows it (docs/reference/sandbox.md)
STORED = "GRIDLINKSANDBOX2"
OTHER_KEY = "JBSW Y3DP EHPK 3PXP"  # well-formed, not the utility's


async def _widget(api: httpx.AsyncClient, client: TestClient, **token: str) -> WidgetSession:
    if "utility_credential_id" not in token:
        token = {"client_user_id": "u", "utility_id": UTILITY, **token}
    return await open_session(api, await connect_token(api, client, **token))


async def _sign_in(widget: WidgetSession, body: dict[str, str]) -> dict[str, Any]:
    response = await widget.post("/attempts", body)
    assert response.status_code == 200, response.text
    return await widget.follow(response.json())


async def _sealed(app: FastAPI, owner: Owner) -> str | None:
    async with app.state.db.transaction(write=False) as session:
        try:
            value: bytes = await app.state.vault.open(session, owner=owner, field="totp_secret")
        except SealedValueMissing:
            return None
    return value.decode()


LOGIN = {"username": "user_good", "password": "pass_good"}


async def test_a_key_is_required_checked_sealed_and_used(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    widget = await _widget(api, client)
    assert widget.data["utility"]["sign_in_kinds"] == ["password_totp"]

    missing = assert_error(await widget.post("/attempts", LOGIN), 422, "invalid_request")
    assert missing["fields"] == ["totp_secret"]
    for typed, said in [
        ("GRID-LINK-SAND-BOX1", "only the letters A-Z and the digits 2-7"),
        ("ABCD EFGH", "16 to 103 characters long"),
        ("A" * 17, "missing a character or has one too many"),
    ]:
        response = await widget.post("/attempts", {**LOGIN, "totp_secret": typed})
        error = assert_error(response, 422, "invalid_totp_secret")
        assert error["fields"] == ["totp_secret"]
        assert said in str(error["message"])
        assert typed not in str(error["message"])

    verified = await _sign_in(widget, {**LOGIN, "totp_secret": KEY})
    assert verified["status"] == "verified", verified
    credential_id = verified["utility_credential_id"]
    assert await _sealed(app, Owner(client.id, credential_id)) == STORED  # normalized
    assert await _sealed(app, Owner(client.id, verified["id"])) is None  # the attempt's: gone


async def test_the_utility_refusing_the_key_rejects_the_sign_in(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    widget = await _widget(api, client)
    refused = await _sign_in(widget, {**LOGIN, "totp_secret": OTHER_KEY})
    assert (refused["status"], refused["status_detail"]) == ("rejected", "INVALID_CREDENTIALS")
    assert "authenticator key" in refused["message"]
    assert await _sealed(app, Owner(client.id, refused["utility_credential_id"])) is None


async def test_other_utilities_take_no_key(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    widget = await _widget(api, client, utility_id="sandbox_electric")
    response = await widget.post("/attempts", {**LOGIN, "totp_secret": KEY})
    assert assert_error(response, 422, "invalid_request")["fields"] == ["totp_secret"]


async def test_update_mode_uses_the_stored_key_and_replaces_it(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    first = await _sign_in(await _widget(api, client), {**LOGIN, "totp_secret": KEY})
    credential_id = first["utility_credential_id"]
    owner = Owner(client.id, credential_id)
    # The end user set the app up again at the utility: the stored key no longer works.
    async with app.state.db.transaction() as session:
        await app.state.vault.seal(
            session, owner=owner, field="totp_secret", plaintext=b"JBSWY3DPEHPK3PXP"
        )

    repair = await _widget(api, client, utility_credential_id=credential_id)
    assert (repair.data["mode"], repair.data["step"]) == ("update", "credentials")
    stale = await _sign_in(repair, LOGIN)  # a new password, no key: the stored key is used
    assert (stale["status"], stale["status_detail"]) == ("rejected", "INVALID_CREDENTIALS")
    assert "authenticator key" in stale["message"]
    assert await _sealed(app, owner) == "JBSWY3DPEHPK3PXP"  # a failed repair keeps it

    bad = await repair.post("/attempts", {"totp_secret": "1234"})
    assert_error(bad, 422, "invalid_totp_secret")
    fixed = await _sign_in(repair, {"totp_secret": KEY})  # the key alone: login kept
    assert fixed["status"] == "verified", fixed
    assert fixed["utility_credential_id"] == credential_id
    assert (await credential(app, credential_id)).status == "verified"
    assert await _sealed(app, owner) == STORED
    again = await _sign_in(await _widget(api, client, utility_credential_id=credential_id), {})
    assert again["status"] == "verified", again  # {}: the stored login and key


async def test_the_sandbox_shortcut_takes_the_key(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    for user, key, status in [("a", KEY, "verified"), ("b", OTHER_KEY, "rejected")]:
        body = {"client_user_id": user, "utility_id": UTILITY, "totp_secret": key, **LOGIN}
        response = await api.post("/v1/sandbox/utility_credentials", json=body, auth=client.auth)
        assert response.status_code in (200, 201), response.text
        assert response.json()["attempt"]["status"] == status, response.text
