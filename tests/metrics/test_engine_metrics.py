"""A real sandbox sign-in, the sync it starts and the webhooks they send move the counters by
what happened — and nothing secret or personal reaches the exposition."""

from __future__ import annotations

import asyncio
import time

import httpx
from fastapi import FastAPI

from tests.attempts.flows import sign_in
from tests.factories import make_client
from tests.metrics.scrape import Samples, moved, scrape
from tests.receiver import Receiver
from tests.sync.helpers import wait_until_synced
from tests.webhooks.conftest import make_endpoint

UTILITY = "sandbox_electric"


async def test_a_sign_in_its_sync_and_its_webhooks_move_the_counters(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    receiver = await Receiver().start()
    try:
        client = await make_client(app)
        endpoint = await make_endpoint(api, client, receiver.url)
        before = await scrape(api)
        widget, attempt = await sign_in(api, client, "user_good")
        assert attempt["status"] == "verified", attempt
        credential_id = attempt["utility_credential_id"]
        await wait_until_synced(api, client, credential_id)
        events = (await api.get("/v1/events", params={"limit": 100}, auth=client.auth)).json()
        sent = len(events["data"])
        assert sent >= 2  # verified, accounts discovered, then the sync's own
        assert await receiver.wait_for(lambda got: len(got) >= sent, 10)
        after = await _wait_for_recorded(api, endpoint["id"], before, sent)
    finally:
        await receiver.stop()

    verified = {"utility_id": UTILITY, "outcome": "verified"}
    assert moved(before, after, "gridlink_sign_ins_total", **verified, detail="") == 1
    assert moved(before, after, "gridlink_sign_in_duration_seconds_count", **verified) == 1
    # The vault: the widget's login sealed for the attempt (2), copied onto the credential at
    # verification (2); the attempt's record shredded once it was copied.
    assert (
        moved(before, after, "gridlink_vault_operations_total", operation="seal", result="ok") == 4
    )
    assert (
        moved(before, after, "gridlink_vault_operations_total", operation="shred", result="ok") == 1
    )
    # Opened: the login by the sign-in (2) and by the copy (2), then by the sync (2).
    assert (
        moved(before, after, "gridlink_vault_operations_total", operation="open", result="ok") == 6
    )
    webhook = {"webhook_endpoint_id": endpoint["id"]}
    assert (
        moved(before, after, "gridlink_webhook_attempts_total", **webhook, result="succeeded")
        == sent
    )
    assert moved(before, after, "gridlink_webhook_attempts_total", **webhook, result="failed") == 0
    assert moved(before, after, "gridlink_webhook_delivery_lag_seconds_count") == sent
    posted = {"route": "/connect/api/attempts", "method": "POST", "status_class": "2xx"}
    assert moved(before, after, "gridlink_http_request_duration_seconds_count", **posted) == 1
    assert after.get_value("gridlink_queue_depth", queue="connection_attempts") == 0
    assert after.get_value("gridlink_db_pool_size_connections", engine="write") > 0
    assert after.get_value("gridlink_worker_loop_up", loop="utility_syncs") == 1

    text = (await api.get("/metrics")).text
    secrets = (client.secret, "pass_good", "user_good", "user-1", credential_id, attempt["id"])
    for secret in secrets:
        assert secret not in text, secret
    assert client.id not in text  # clients are business data too: never a label
    assert widget.bearer not in text


async def _wait_for_recorded(
    api: httpx.AsyncClient, endpoint_id: str, before: Samples, sent: int
) -> Samples:
    """Outcomes are recorded (and counted) just after the receiver answered."""
    deadline = time.monotonic() + 10
    while True:
        after = await scrape(api)
        counted = moved(
            before,
            after,
            "gridlink_webhook_attempts_total",
            webhook_endpoint_id=endpoint_id,
            result="succeeded",
        )
        if counted >= sent or time.monotonic() > deadline:
            return after
        await asyncio.sleep(0.05)


async def test_a_rejected_sign_in_is_counted_with_its_detail(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    before = await scrape(api)
    _, attempt = await sign_in(api, client, "user_good", "wrong")
    assert (attempt["status"], attempt["status_detail"]) == ("rejected", "INVALID_CREDENTIALS")
    after = await scrape(api)
    rejected = {"utility_id": UTILITY, "outcome": "rejected"}
    assert (
        moved(before, after, "gridlink_sign_ins_total", **rejected, detail="INVALID_CREDENTIALS")
        == 1
    )
    assert moved(before, after, "gridlink_sign_in_duration_seconds_count", **rejected) == 1
    assert (
        moved(
            before,
            after,
            "gridlink_sign_ins_total",
            utility_id=UTILITY,
            outcome="verified",
            detail="",
        )
        == 0
    )
