"""Scheduled checks on the utility-side clock, and POST /v1/utility_credentials/{id}/refresh."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from gridlink.kit.clock import ManualClock
from tests.factories import assert_error, make_client
from tests.sync.helpers import (
    credential,
    events,
    listed,
    verify,
    wait_for_event,
    wait_until_synced,
)

DAY = 86400


async def test_moving_the_sandbox_clock_makes_the_scheduled_check_bring_new_data(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    credential_id = await verify(api, client)
    first = (await wait_until_synced(api, client, credential_id))["sync"]
    before = await listed(
        api, client, "/v1/utility_statements", utility_credential_id=credential_id
    )
    assert await events(api, client, credential_id, "new_utility_intervals_available") == []

    moved = await api.post(
        "/v1/sandbox/clock", json={"advance_seconds": 40 * DAY}, auth=client.auth
    )
    assert moved.status_code == 200, moved.text
    new_statements = await wait_for_event(
        api, client, credential_id, "new_utility_statement_available"
    )
    new_intervals = await wait_for_event(
        api, client, credential_id, "new_utility_intervals_available"
    )
    after = await wait_until_synced(api, client, credential_id)
    assert after["sync"]["next_sync_at"] > first["next_sync_at"]
    statements = await listed(
        api, client, "/v1/utility_statements", utility_credential_id=credential_id
    )
    added = {s["id"] for s in statements} - {s["id"] for s in before}
    assert added == {e["data"]["utility_statement_id"] for e in new_statements}
    last_backfilled = max(
        e["data"]["end"]
        for e in await events(api, client, credential_id, "historical_utility_intervals_discovered")
    )
    for event in new_intervals:
        # only what is new: from the backfill's end onwards (the overlap re-read changes nothing)
        assert last_backfilled <= event["data"]["start"] < event["data"]["end"]
    # the backfill's historical events are not sent again
    assert len(
        await events(api, client, credential_id, "historical_utility_intervals_discovered")
    ) == len(await listed(api, client, "/v1/utility_meters", utility_credential_id=credential_id))


async def test_refresh_runs_a_sync_now_and_is_idempotent(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    credential_id = await verify(api, client)
    await wait_until_synced(api, client, credential_id)
    path = f"/v1/utility_credentials/{credential_id}/refresh"
    headers = {"Idempotency-Key": "refresh-1"}
    response = await api.post(path, auth=client.auth, headers=headers)
    assert response.status_code == 202, response.text
    assert response.json()["kind"] == "requested"
    assert response.json()["state"] in ("scheduled", "running")
    replay = await api.post(path, auth=client.auth, headers=headers)
    assert (replay.status_code, replay.json()) == (202, response.json())
    body = await wait_until_synced(api, client, credential_id)
    assert body["sync"]["kind"] == "scheduled"  # the requested run finished

    assert_error(
        await api.post("/v1/utility_credentials/ucr_unknown/refresh", auth=client.auth),
        404,
        "not_found",
    )
    other = await make_client(app, name="Other")
    assert_error(await api.post(path, auth=other.auth), 404, "not_found")


async def test_refresh_of_a_credential_that_is_not_verified_is_refused(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    response = await api.post(
        "/v1/sandbox/utility_credentials",
        json={
            "client_user_id": "u",
            "utility_id": "sandbox_electric",
            "username": "user_good",
            "password": "wrong",
        },
        auth=client.auth,
    )
    credential_id = response.json()["utility_credential_id"]
    assert (await credential(api, client, credential_id))["sync"] is None
    refused = await api.post(f"/v1/utility_credentials/{credential_id}/refresh", auth=client.auth)
    assert_error(refused, 409, "credential_not_verified")
