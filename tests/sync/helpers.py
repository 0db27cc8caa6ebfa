"""Drive syncs through the HTTP API: verify with the sandbox shortcut, wait for events."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import httpx

from tests.factories import TestClient

SHORTCUT = "/v1/sandbox/utility_credentials"


async def verify(
    api: httpx.AsyncClient,
    client: TestClient,
    username: str = "user_good",
    *,
    user: str = "user-1",
    **extra: str,
) -> str:
    response = await api.post(
        SHORTCUT,
        json={
            "client_user_id": user,
            "utility_id": "sandbox_electric",
            "username": username,
            "password": "pass_good",
            **extra,
        },
        auth=client.auth,
    )
    assert response.status_code in (200, 201), response.text
    body = response.json()
    assert body["status"]["status"] == "verified", body
    return str(body["utility_credential_id"])


async def events(
    api: httpx.AsyncClient, client: TestClient, credential_id: str, type_: str | None = None
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    params: dict[str, Any] = {"utility_credential_id": credential_id, "limit": 100}
    if type_ is not None:
        params["type"] = type_
    while True:
        response = await api.get("/v1/events", params=params, auth=client.auth)
        assert response.status_code == 200, response.text
        page = response.json()
        found += page["data"]
        if not page["has_more"]:
            return found
        params["cursor"] = page["next_cursor"]


async def wait_for_event(
    api: httpx.AsyncClient,
    client: TestClient,
    credential_id: str,
    type_: str,
    count: int = 1,
    within: float = 60.0,
) -> list[dict[str, Any]]:
    """Poll /v1/events until ``count`` events of ``type_`` exist for the credential."""
    deadline = time.monotonic() + within
    while True:
        found = await events(api, client, credential_id, type_)
        if len(found) >= count:
            return found
        if time.monotonic() > deadline:
            raise AssertionError(f"no {type_} event for {credential_id} after {within} s")
        await asyncio.sleep(0.05)


async def credential(
    api: httpx.AsyncClient, client: TestClient, credential_id: str
) -> dict[str, Any]:
    response = await api.get(f"/v1/utility_credentials/{credential_id}", auth=client.auth)
    assert response.status_code == 200, response.text
    return dict(response.json())


async def wait_until_synced(
    api: httpx.AsyncClient, client: TestClient, credential_id: str, within: float = 60.0
) -> dict[str, Any]:
    """Until the credential's sync is back to ``scheduled`` after a successful run (a pending
    initial or requested run keeps its kind until it ends)."""
    deadline = time.monotonic() + within
    while True:
        body = await credential(api, client, credential_id)
        sync = body["sync"]
        if sync and (sync["state"], sync["kind"]) == ("scheduled", "scheduled"):
            return body
        if time.monotonic() > deadline:
            raise AssertionError(f"not synced: {body}")
        await asyncio.sleep(0.05)


async def listed(
    api: httpx.AsyncClient, client: TestClient, path: str, **params: Any
) -> list[dict[str, Any]]:
    found: list[dict[str, Any]] = []
    params = {"limit": 100, **params}
    while True:
        response = await api.get(path, params=params, auth=client.auth)
        assert response.status_code == 200, response.text
        page = response.json()
        found += page["data"]
        if not page["has_more"]:
            return found
        params["cursor"] = page["next_cursor"]
