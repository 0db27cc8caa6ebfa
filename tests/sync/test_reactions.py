"""What a failing sync does: a changed password revokes, an expired MFA session asks for a
refresh, a utility that is down is retried later with the credential still verified."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import timedelta
from typing import ClassVar

import httpx
import pytest
from fastapi import FastAPI

from gridlink import Settings
from gridlink.connectors.base import ConnectorSession, Credentials, SessionToken
from gridlink.connectors.errors import TemporarilyUnavailable
from gridlink.connectors.registry import default_registry
from gridlink.connectors.sandbox import SandboxConnector
from gridlink.kit.clock import ManualClock
from tests.attempts.flows import connect_token, open_session
from tests.factories import assert_error, make_client
from tests.lifespan import running_with_connectors
from tests.sync.helpers import credential, events, verify, wait_for_event, wait_until_synced

HOUR = 3600


async def wait_for_sync_state(
    api: httpx.AsyncClient, client: object, credential_id: str, state: str
) -> dict[str, object]:
    for _ in range(1200):
        body = await credential(api, client, credential_id)  # type: ignore[arg-type]
        if body["sync"] and body["sync"]["state"] == state:
            return body
        await asyncio.sleep(0.05)
    raise AssertionError(f"sync never {state}: {body}")


async def test_a_changed_password_revokes_at_the_next_scheduled_sync_and_a_repair_resumes(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    credential_id = await verify(api, client, "user_password_changed")
    await wait_until_synced(api, client, credential_id)
    assert await events(api, client, credential_id, "utility_credential_revoked") == []

    # the password changes an hour after the first login; the daily check is a day later
    moved = await api.post(
        "/v1/sandbox/clock", json={"advance_seconds": 25 * HOUR}, auth=client.auth
    )
    assert moved.status_code == 200
    [revoked] = await wait_for_event(api, client, credential_id, "utility_credential_revoked")
    assert revoked["data"] | {"client_user_id": 0, "sequence": 0, "utility_credential_id": 0} == {
        "client_user_id": 0,
        "sequence": 0,
        "utility_credential_id": 0,
        "utility_id": "sandbox_electric",
        "status": "rejected",
        "status_detail": "INVALID_CREDENTIALS",
        "action_required": True,
    }
    body = await credential(api, client, credential_id)
    assert (body["status"], body["status_detail"], body["action_required"]) == (
        "rejected",
        "INVALID_CREDENTIALS",
        True,
    )
    assert body["sync"]["state"] == "stopped"
    assert body["sync"]["next_sync_at"] is None
    refused = await api.post(f"/v1/utility_credentials/{credential_id}/refresh", auth=client.auth)
    assert_error(refused, 409, "credential_not_verified")

    # the end user repairs it in update mode: syncing starts again
    token = await connect_token(api, client, utility_credential_id=credential_id)
    widget = await open_session(api, token)
    repaired = await widget.follow(await widget.submit("user_password_changed", "pass_new"))
    assert repaired["status"] == "verified"
    body = await wait_until_synced(api, client, credential_id)
    assert body["status"] == "verified"
    assert body["sync"]["last_error"] is None
    assert len(await events(api, client, credential_id, "utility_credential_revoked")) == 1


async def test_an_expired_mfa_session_found_by_a_sync_asks_for_a_refresh(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    credential_id = await verify(api, client, "user_mfa_expiring", mfa_code="123456")
    await wait_until_synced(api, client, credential_id)
    # Move the app's clock (not the sandbox clock, whose move runs the expiry check itself):
    # the session (10 minutes) is long gone when the daily check logs in.
    clock.advance(timedelta(hours=25))
    [event] = await wait_for_event(
        api, client, credential_id, "utility_credential_mfa_refresh_required"
    )
    assert event["data"]["status_detail"] == "MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED"
    body = await wait_for_sync_state(api, client, credential_id, "stopped")
    assert (body["status"], body["status_detail"], body["action_required"]) == (
        "rejected",
        "MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED",
        True,
    )


class SwitchableSandbox(SandboxConnector):
    """The sandbox, with a switch that takes the utility's website down (the far edge)."""

    down: ClassVar[bool] = False

    async def login(
        self, credentials: Credentials, *, session_token: SessionToken | None = None
    ) -> ConnectorSession:
        if SwitchableSandbox.down:
            raise TemporarilyUnavailable(retry_after=timedelta(hours=2))
        return await super().login(credentials, session_token=session_token)


@pytest.fixture
async def app(
    settings: Settings, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FastAPI]:
    SwitchableSandbox.down = False
    registry = default_registry(builtins=[SwitchableSandbox], discover=False)
    async with running_with_connectors(settings, clock, monkeypatch, lambda _s: registry) as app:
        yield app


async def test_a_utility_that_is_down_is_retried_later_and_the_credential_stays_verified(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    credential_id = await verify(api, client)
    await wait_until_synced(api, client, credential_id)

    SwitchableSandbox.down = True
    refreshed = await api.post(f"/v1/utility_credentials/{credential_id}/refresh", auth=client.auth)
    assert refreshed.status_code == 202
    body = await wait_for_sync_state(api, client, credential_id, "retrying")
    assert (body["status"], body["status_detail"], body["action_required"]) == (
        "verified",
        "UTILITY_UNAVAILABLE",
        False,
    )
    assert body["sync"]["last_error"] == "UTILITY_UNAVAILABLE"
    # the utility's retry hint (2 h) is longer than the first backoff (10 min): it wins
    due = body["sync"]["next_sync_at"].replace("Z", "+00:00")
    assert due >= (clock.now() + timedelta(hours=2)).isoformat()
    clock.advance(timedelta(hours=1))
    await asyncio.sleep(0.3)  # several sync polls: nothing is due yet
    assert (await credential(api, client, credential_id))["sync"]["state"] == "retrying"

    SwitchableSandbox.down = False
    clock.advance(timedelta(hours=1, minutes=30))
    body = await wait_until_synced(api, client, credential_id)
    assert (body["status"], body["status_detail"]) == ("verified", None)
    assert body["sync"]["last_error"] is None
    assert await events(api, client, credential_id, "utility_credential_revoked") == []
