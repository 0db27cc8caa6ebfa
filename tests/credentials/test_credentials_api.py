from __future__ import annotations

from datetime import timedelta
from urllib.parse import quote

import httpx
import pytest
from fastapi import FastAPI

from gridlink.kit.ids import new_id
from gridlink.models import ConnectionAttempt, ConnectLink, DataKey, UtilityAccount
from tests.credentials.helpers import (
    add_attempt,
    add_credential,
    can_open,
    count,
    events_of,
    get_credential_row,
    seal,
)
from tests.factories import TestClient, assert_error, make_client

FIELDS = {
    "sync",
    "id",
    "client_user_id",
    "utility",
    "method",
    "status",
    "status_detail",
    "action_required",
    "mfa_session_expires_at",
    "last_synced_at",
    "verified_at",
    "created_at",
    "updated_at",
}


async def test_get_shows_the_credential_with_its_utility(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    now = app.state.clock.now()
    credential_id = await add_credential(
        app,
        client,
        "user-1",
        verified_at=now,
        mfa_session_expires_at=now + timedelta(days=30),
        last_synced_at=now,
    )
    response = await api.get(f"/v1/utility_credentials/{credential_id}", auth=client.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == FIELDS
    assert body["id"] == credential_id
    assert body["client_user_id"] == "user-1"
    assert body["utility"] == {"id": "sandbox_electric", "name": "Sandbox Power & Light"}
    assert (body["status"], body["status_detail"], body["action_required"]) == (
        "verified",
        None,
        False,
    )
    assert body["mfa_session_expires_at"] == "2026-02-14T12:00:00Z"
    assert body["verified_at"] == body["last_synced_at"] == body["created_at"]


async def test_unknown_foreign_and_malformed_ids_answer_alike(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    mine = await make_client(app)
    theirs = await make_client(app, name="Other")
    foreign = await add_credential(app, theirs)
    messages = set()
    for credential_id in (foreign, new_id("ucr"), "not-an-id", "x" * 40):
        url = "/v1/utility_credentials/" + quote(credential_id, safe="")
        error = assert_error(await api.get(url, auth=mine.auth), 404, "not_found")
        messages.add(error["message"])
    assert len(messages) == 1
    # A control character is refused at the edge, before any lookup: it cannot be an id.
    nul = await api.get("/v1/utility_credentials/ucr_%00", auth=mine.auth)
    assert assert_error(nul, 422, "invalid_request")["fields"] == ["path"]


async def _ids(api: httpx.AsyncClient, client: TestClient, **params: str | int) -> list[str]:
    response = await api.get("/v1/utility_credentials", params=params, auth=client.auth)
    assert response.status_code == 200, response.text
    return [c["id"] for c in response.json()["data"]]


async def test_filters_combine(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    other = await make_client(app, name="Other")
    good = await add_credential(app, client, "alice")
    gas = await add_credential(app, client, "alice", utility_id="sandbox_gas")
    rejected = await add_credential(
        app,
        client,
        "bob",
        status="rejected",
        status_detail="INVALID_CREDENTIALS",
        action_required=True,
    )
    await add_credential(app, other, "alice")

    assert await _ids(api, client) == [good, gas, rejected]
    assert await _ids(api, client, client_user_id="alice") == [good, gas]
    assert await _ids(api, client, client_user_id="nobody") == []
    assert await _ids(api, client, utility_id="sandbox_gas") == [gas]
    assert await _ids(api, client, status="rejected") == [rejected]
    assert await _ids(api, client, status_detail="INVALID_CREDENTIALS") == [rejected]
    assert await _ids(api, client, action_required="true") == [rejected]
    assert await _ids(api, client, action_required="false") == [good, gas]
    assert await _ids(api, client, client_user_id="alice", utility_id="sandbox_electric") == [good]
    assert await _ids(api, client, client_user_id="bob", status="verified") == []


async def test_pages_visit_every_credential_once(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    created = [await add_credential(app, client, f"user-{i}") for i in range(7)]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": 3}
        if cursor:
            params["cursor"] = cursor
        body = (await api.get("/v1/utility_credentials", params=params, auth=client.auth)).json()
        seen += [c["id"] for c in body["data"]]
        if not body["has_more"]:
            assert body["next_cursor"] is None
            break
        cursor = body["next_cursor"]
    assert seen == created


@pytest.mark.parametrize(
    "params",
    [
        {"status": "revoked"},
        {"status_detail": "invalid_credentials"},
        {"action_required": "maybe"},
        {"client_user_id": "a\x00b"},
        {"utility_id": ""},
        {"cursor": "%%%"},
    ],
)
async def test_bad_filters_are_invalid_requests(
    app: FastAPI, api: httpx.AsyncClient, params: dict[str, str]
) -> None:
    client = await make_client(app)
    response = await api.get("/v1/utility_credentials", params=params, auth=client.auth)
    assert_error(response, 422, "invalid_request")


async def _credential_with_everything(app: FastAPI, client: TestClient) -> tuple[str, str]:
    """A credential with sealed secrets, an account, a connect link and an attempt whose MFA
    code is sealed under the attempt's id. Returns (credential id, attempt id)."""
    credential_id = await add_credential(app, client)
    await seal(app, client.id, credential_id, "password", b"canary-password")
    await seal(app, client.id, credential_id, "session_token", b"canary-session")
    attempt_id = await add_attempt(app, client, credential_id)
    await seal(app, client.id, attempt_id, "mfa_code", b"123456")
    now = app.state.clock.now()
    async with app.state.db.transaction() as session:
        session.add(
            UtilityAccount(
                id=new_id("uac"),
                client_id=client.id,
                credential_id=credential_id,
                number="1234",
                status="active",
                created_at=now,
                updated_at=now,
            )
        )
        session.add(
            ConnectLink(
                id=new_id("clk"),
                client_id=client.id,
                credential_id=credential_id,
                token_hash=new_id("h"),
                created_at=now,
                expires_at=now + timedelta(hours=72),
            )
        )
    return credential_id, attempt_id


async def test_delete_destroys_secrets_and_everything_of_the_credential(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    credential_id, attempt_id = await _credential_with_everything(app, client)
    kept_id, _ = await _credential_with_everything(app, client)

    response = await api.delete(f"/v1/utility_credentials/{credential_id}", auth=client.auth)
    assert response.status_code == 204, response.text
    assert response.content == b""

    gone = await api.get(f"/v1/utility_credentials/{credential_id}", auth=client.auth)
    assert_error(gone, 404, "not_found")
    assert await get_credential_row(app, credential_id) is None
    assert not await can_open(app, client.id, credential_id, "password")
    assert not await can_open(app, client.id, attempt_id, "mfa_code")
    assert await count(app, DataKey, record_id=credential_id) == 0
    assert await count(app, DataKey, record_id=attempt_id) == 0
    for model in (UtilityAccount, ConnectLink, ConnectionAttempt):
        assert await count(app, model, credential_id=credential_id) == 0
        assert await count(app, model, credential_id=kept_id) == 1
    assert await can_open(app, client.id, kept_id, "password")

    again = await api.delete(f"/v1/utility_credentials/{credential_id}", auth=client.auth)
    assert again.status_code == 204


async def test_deleting_a_foreign_credential_changes_nothing(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    mine = await make_client(app)
    theirs = await make_client(app, name="Other")
    credential_id, _ = await _credential_with_everything(app, theirs)
    for target in (credential_id, new_id("ucr"), "not-an-id"):
        response = await api.delete(f"/v1/utility_credentials/{target}", auth=mine.auth)
        assert response.status_code == 204
    assert await get_credential_row(app, credential_id) is not None
    assert await can_open(app, theirs.id, credential_id, "password")


async def test_deleting_a_user_destroys_their_credentials_secrets(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    credential_id, attempt_id = await _credential_with_everything(app, client)
    other_user = await add_credential(app, client, "user-2")
    await seal(app, client.id, other_user, "password", b"other")

    response = await api.delete("/v1/users/user-1", auth=client.auth)
    assert response.status_code == 204
    assert await get_credential_row(app, credential_id) is None
    assert await count(app, DataKey, record_id=credential_id) == 0
    assert await count(app, DataKey, record_id=attempt_id) == 0
    assert await can_open(app, client.id, other_user, "password")
    deleted = await events_of(app, client.id, "user_deleted")
    assert [e.client_user_id for e in deleted] == ["user-1"]
