"""Green Button Connect My Data end to end, on both databases: Connect starts the trip, the
end user allows sharing at the (local) Data Custodian, the callback queues the code, the
worker exchanges it with Authlib, Connect completes like a sign-in; the sync reads the
subscription by published window; a notification brings a sync forward; an expired access
token is refreshed (rotating the refresh token); a revoked authorization rejects the
credential with ``utility_credential_revoked``."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
from fastapi import FastAPI

from gridlink.greenbutton.custodian import SandboxFeeds
from gridlink.greenbutton.custodian.espi_writer import batch_list
from gridlink.greenbutton.custodian.testing import Served
from gridlink.kit.clock import ManualClock
from tests.custodians.conftest import (
    UTILITY,
    authorize,
    consent_at_custodian,
    register,
    registered_id,
    return_to_gridlink,
    sealed_tokens,
    start_trip,
    widget_session,
)
from tests.factories import make_client
from tests.sync.helpers import credential, events, listed, wait_for_event, wait_until_synced


async def _meter_readings(
    api: httpx.AsyncClient, client: Any, meter_id: str, clock: ManualClock
) -> list[dict[str, Any]]:
    start = clock.now() - timedelta(days=40)
    response = await api.get(
        "/v1/utility_intervals",
        auth=client.auth,
        params={"meter_id": meter_id, "start": start.isoformat(), "end": clock.now().isoformat()},
    )
    assert response.status_code == 200, response.text
    return list(response.json()["data"])


async def _connected(app: FastAPI, api: httpx.AsyncClient, custodian: Served) -> tuple[Any, str]:
    await register(app, custodian)
    client = await make_client(app)
    widget = await widget_session(api, client)
    attempt = await authorize(api, widget)
    assert attempt["status"] == "verified", attempt
    completed = await widget.post(f"/attempts/{attempt['id']}/complete")
    assert completed.status_code == 200, completed.text
    exchanged = await api.post(
        "/v1/auth/exchange",
        json={"authorization_code": completed.json()["authorization_code"]},
        auth=client.auth,
    )
    assert exchanged.status_code == 200, exchanged.text
    return client, str(exchanged.json()["utility_credential_id"])


async def test_connect_offers_green_button_first_once_a_custodian_is_registered(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served
) -> None:
    client = await make_client(app)
    before = await widget_session(api, client)
    assert before.data["utility"]["connection_methods"] == ["login", "file"]
    assert (await before.post("/green_button/authorizations", {})).status_code == 409
    await register(app, custodian)
    after = await widget_session(api, client, user="user-2")
    assert after.data["utility"]["connection_methods"] == ["green_button", "login", "file"]
    listed_utility = await api.get(f"/v1/utilities/{UTILITY}", auth=client.auth)
    assert listed_utility.json()["connection_methods"] == ["green_button", "login", "file"]


async def test_the_whole_flow_stores_the_custodians_data(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served, clock: ManualClock
) -> None:
    client, credential_id = await _connected(app, api, custodian)
    body = await wait_until_synced(api, client, credential_id)
    assert (body["method"], body["status"], body["status_detail"]) == (
        "green_button",
        "verified",
        None,
    )
    meters = await listed(api, client, "/v1/utility_meters", utility_credential_id=credential_id)
    electric = [m for m in meters if m["commodity"] == "electric"]
    assert len(electric) == 1, meters
    feeds = SandboxFeeds(days=20)
    hours = int((feeds.end(clock.now()) - feeds.start(clock.now())) / timedelta(hours=1))
    stored = await _meter_readings(api, client, electric[0]["id"], clock)
    assert len(stored) == hours  # every hourly reading the custodian published, once
    kinds = [e["type"] for e in await events(api, client, credential_id)]
    for expected in (
        "utility_credential_verified",
        "utility_accounts_discovered",
        "historical_utility_intervals_discovered",
    ):
        assert expected in kinds, kinds
    assert "new_utility_intervals_available" not in kinds


async def test_a_notification_brings_the_next_day_in_at_once(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served, clock: ManualClock
) -> None:
    client, credential_id = await _connected(app, api, custodian)
    await wait_until_synced(api, client, credential_id)
    meters = await listed(api, client, "/v1/utility_meters", utility_credential_id=credential_id)
    electric = next(m for m in meters if m["commodity"] == "electric")
    before = len(await _meter_readings(api, client, electric["id"], clock))
    clock.advance(timedelta(hours=6))  # the custodian publishes six more hours
    (authorization,) = custodian.custodian.authorizations()
    uri = (
        f"{custodian.base_url}/espi/1_1/resource/Batch/Subscription/{authorization.subscription_id}"
    )
    notified = await api.post(
        f"/green_button/notifications/{await registered_id(app)}",
        content=batch_list([uri]),
        headers={"Content-Type": "application/atom+xml"},
    )
    assert notified.status_code == 204, notified.text
    await wait_for_event(api, client, credential_id, "new_utility_intervals_available")
    after = len(await _meter_readings(api, client, electric["id"], clock))
    assert after == before + 6


async def test_an_expired_access_token_is_refreshed_and_the_refresh_token_rotates(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served, clock: ManualClock
) -> None:
    client, credential_id = await _connected(app, api, custodian)
    await wait_until_synced(api, client, credential_id)
    first = await sealed_tokens(app, credential_id)
    clock.advance(timedelta(hours=2))  # past the access token's hour
    refreshed = await api.post(
        f"/v1/utility_credentials/{credential_id}/refresh", auth=client.auth, json={}
    )
    assert refreshed.status_code in (200, 202), refreshed.text
    await wait_for_event(api, client, credential_id, "new_utility_intervals_available")
    body = await wait_until_synced(api, client, credential_id)
    assert body["status"] == "verified"
    second = await sealed_tokens(app, credential_id)
    assert second.access_token != first.access_token
    assert second.refresh_token != first.refresh_token  # the custodian rotates them


async def test_a_revoked_authorization_rejects_the_credential(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served, clock: ManualClock
) -> None:
    client, credential_id = await _connected(app, api, custodian)
    await wait_until_synced(api, client, credential_id)
    (authorization,) = custodian.custodian.authorizations()
    custodian.custodian.revoke_authorization(authorization.id)  # the customer, at the utility
    refreshed = await api.post(
        f"/v1/utility_credentials/{credential_id}/refresh", auth=client.auth, json={}
    )
    assert refreshed.status_code in (200, 202), refreshed.text
    await wait_for_event(api, client, credential_id, "utility_credential_revoked")
    body = await credential(api, client, credential_id)
    assert (body["status"], body["status_detail"], body["action_required"]) == (
        "rejected",
        "AUTHORIZATION_REVOKED",
        True,
    )


async def test_denied_at_the_custodian(
    app: FastAPI, api: httpx.AsyncClient, custodian: Served
) -> None:
    await register(app, custodian)
    client = await make_client(app)
    widget = await widget_session(api, client)
    trip = await start_trip(widget)
    page = await return_to_gridlink(
        api, await consent_at_custodian(trip.authorization_url, decision="deny")
    )
    assert page.status_code == 200
    status = (await widget.get(f"/green_button/authorizations/{trip.authorization_id}")).json()
    assert (status["status"], status["attempt_id"]) == ("denied", None)
    # The session stays open: the end user can try again.
    again = await authorize(api, widget)
    assert again["status"] == "verified"
