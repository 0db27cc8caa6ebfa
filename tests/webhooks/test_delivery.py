"""Delivery end to end: real database, real HTTP to a real receiver on 127.0.0.1."""

from __future__ import annotations

import base64
from datetime import datetime, timedelta
from email.utils import format_datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from standardwebhooks import Webhook

from gridlink import Settings
from gridlink.kit.clock import ManualClock
from gridlink.kit.keyring import Keyring
from gridlink.webhooks.dispatcher import Dispatcher
from gridlink.webhooks.schedule import MAX_RETRY_AFTER, RETRY_DELAYS
from gridlink.webhooks.sender import CONNECTION_FAILED
from gridlink.webhooks.signing import InvalidSignature, verify
from gridlink.worker.registry import build_connectors, build_loops
from tests.event_helpers import emit_user_deleted
from tests.factories import TestClient, make_client
from tests.receiver import Received, Receiver, Reply
from tests.webhooks.conftest import DispatcherFactory, make_endpoint


async def attempts(api: httpx.AsyncClient, client: TestClient, endpoint_id: str) -> list[Any]:
    """The endpoint's delivery log, oldest first."""
    response = await api.get(
        f"/v1/webhook_endpoints/{endpoint_id}/deliveries?limit=100", auth=client.auth
    )
    assert response.status_code == 200, response.text
    return list(reversed(response.json()["data"]))


def at(value: str) -> datetime:
    return datetime.fromisoformat(value)


async def test_live_delivery_verifies_with_the_reference_library(
    app: FastAPI, api: httpx.AsyncClient, receiver: Receiver, make_dispatcher: DispatcherFactory
) -> None:
    client = await make_client(app)
    endpoint = await make_endpoint(api, client, receiver.url)
    event = await emit_user_deleted(app, client.id, "user-1")

    assert await (await make_dispatcher()).run_once() == 1

    [request] = receiver.requests
    payload = Webhook(endpoint["secret"]).verify(request.body, request.headers)
    polled = await api.get(f"/v1/events/{event.id}", auth=client.auth)
    assert payload == polled.json() == event.model_dump(mode="json")
    assert request.body == polled.content  # the same bytes by webhook and by polling
    assert request.webhook_id == event.id
    assert request.headers["content-type"] == "application/json"
    [logged] = await attempts(api, client, endpoint["id"])
    assert logged["outcome"] == "succeeded"
    assert logged["status_code"] == 200
    assert logged["event_id"] == event.id


async def test_receiver_down_then_up_gets_every_event_with_the_same_id(
    app: FastAPI,
    api: httpx.AsyncClient,
    clock: ManualClock,
    receiver: Receiver,
    make_dispatcher: DispatcherFactory,
) -> None:
    client = await make_client(app)
    endpoint = await make_endpoint(api, client, receiver.url)
    dispatcher = await make_dispatcher()
    await receiver.stop()  # down: connections are refused
    events = [await emit_user_deleted(app, client.id, f"user-{i}") for i in range(3)]

    assert await dispatcher.run_once() == 3
    clock.advance(timedelta(seconds=6))
    assert await dispatcher.run_once() == 3
    answered: set[str] = set()

    def first_500_then_200(request: Received) -> Reply:
        if request.webhook_id in answered:
            return Reply(200)
        answered.add(request.webhook_id)
        return Reply(500)

    receiver.respond = first_500_then_200
    await receiver.start()  # up again, same port
    clock.advance(timedelta(minutes=5, seconds=31))
    assert await dispatcher.run_once() == 3
    clock.advance(timedelta(minutes=33))
    assert await dispatcher.run_once() == 3
    assert await dispatcher.run_once() == 0

    for request in receiver.requests:  # signed as "{id}.{timestamp}.{body}": no "." inside
        for name in ("webhook-id", "webhook-timestamp"):
            assert "." not in request.headers[name], f"{name}: {request.headers[name]}"
    assert receiver.ids() == {e.id for e in events}
    for event in events:
        arrivals = [r for r in receiver.requests if r.webhook_id == event.id]
        assert len(arrivals) == 2
        stamps = [int(r.headers["webhook-timestamp"]) for r in arrivals]
        assert stamps[0] < stamps[1]
        for request in arrivals:
            verify(endpoint["secret"], request.headers, request.body, clock.now().timestamp(), 3600)
    log = await attempts(api, client, endpoint["id"])
    assert [a["outcome"] for a in log].count("succeeded") == 3
    assert {a["error"] for a in log[:6]} == {CONNECTION_FAILED}


async def test_retry_times_follow_the_schedule(
    app: FastAPI,
    api: httpx.AsyncClient,
    clock: ManualClock,
    receiver: Receiver,
    make_dispatcher: DispatcherFactory,
) -> None:
    receiver.respond = lambda _r: Reply(500)
    client = await make_client(app)
    endpoint = await make_endpoint(api, client, receiver.url)
    event = await emit_user_deleted(app, client.id, "user-1")
    dispatcher = await make_dispatcher()
    started = clock.now()

    for delay in RETRY_DELAYS:
        assert await dispatcher.run_once() == 1
        last = (await attempts(api, client, endpoint["id"]))[-1]
        assert last["outcome"] == "retrying"
        wait = at(last["next_attempt_at"]) - at(last["attempted_at"])
        assert delay <= wait <= delay * 1.1  # jitter is added, never subtracted
        clock.advance(wait - timedelta(seconds=1))
        assert await dispatcher.run_once() == 0  # not a second early
        clock.advance(timedelta(seconds=1))
    assert await dispatcher.run_once() == 1

    log = await attempts(api, client, endpoint["id"])
    assert [a["attempt"] for a in log] == list(range(1, 11))
    assert log[-1]["outcome"] == "failed"
    assert log[-1]["next_attempt_at"] is None
    assert clock.now() - started >= sum(RETRY_DELAYS, timedelta())  # about 75.6 hours
    assert len(receiver.requests) == 10
    assert receiver.ids() == {event.id}
    clock.advance(timedelta(days=2))
    assert await dispatcher.run_once() == 0


async def test_410_disables_the_endpoint_and_records_it_once(
    app: FastAPI, api: httpx.AsyncClient, receiver: Receiver, make_dispatcher: DispatcherFactory
) -> None:
    other = await Receiver().start()
    try:
        receiver.respond = lambda _r: Reply(410)
        client = await make_client(app)
        gone = await make_endpoint(api, client, receiver.url)
        await make_endpoint(api, client, other.url)
        first = await emit_user_deleted(app, client.id, "u1")
        second = await emit_user_deleted(app, client.id, "u2")
        dispatcher = await make_dispatcher()

        assert await dispatcher.run_once() == 5  # 2 + 2, then the disabled event to `other`

        state = (await api.get(f"/v1/webhook_endpoints/{gone['id']}", auth=client.auth)).json()
        assert state["enabled"] is False
        assert state["disabled_reason"] == "gone"
        disabled = await api.get("/v1/events?type=webhook_endpoint_disabled", auth=client.auth)
        [notice] = disabled.json()["data"]
        assert notice["data"] == {"webhook_endpoint_id": gone["id"], "reason": "gone"}
        assert other.ids() == {first.id, second.id, notice["id"]}
        await emit_user_deleted(app, client.id, "u3")
        assert await dispatcher.run_once() == 1  # only `other` still takes events
        assert len(receiver.requests) == 2
    finally:
        await other.stop()


@pytest.mark.parametrize(
    ("status", "retry_after", "expected"),
    [
        (429, "120", timedelta(seconds=120)),
        (503, "http-date+600", timedelta(seconds=600)),
        (502, "120", timedelta(seconds=120)),
        (504, "http-date+600", timedelta(seconds=600)),
        (429, "90000", MAX_RETRY_AFTER),  # a day at most, whatever the receiver asks
        (504, "1", RETRY_DELAYS[0]),  # never sooner than the schedule
        # Only the throttling answers (429, 502, 503, 504) carry a meaningful Retry-After.
        (500, "3600", RETRY_DELAYS[0]),
        (404, "3600", RETRY_DELAYS[0]),
    ],
)
async def test_retry_after_is_honoured(
    app: FastAPI,
    api: httpx.AsyncClient,
    clock: ManualClock,
    receiver: Receiver,
    make_dispatcher: DispatcherFactory,
    status: int,
    retry_after: str,
    expected: timedelta,
) -> None:
    if retry_after.startswith("http-date"):
        retry_after = format_datetime(clock.now() + timedelta(seconds=600), usegmt=True)
    receiver.respond = lambda _r: Reply(status, {"retry-after": retry_after})
    client = await make_client(app)
    endpoint = await make_endpoint(api, client, receiver.url)
    await emit_user_deleted(app, client.id, "user-1")
    assert await (await make_dispatcher()).run_once() == 1

    [logged] = await attempts(api, client, endpoint["id"])
    wait = at(logged["next_attempt_at"]) - at(logged["attempted_at"])
    assert expected <= wait <= expected * 1.1
    assert logged["status_code"] == status


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
async def test_redirects_are_not_followed(
    app: FastAPI,
    api: httpx.AsyncClient,
    receiver: Receiver,
    make_dispatcher: DispatcherFactory,
    status: int,
) -> None:
    target = await Receiver().start()
    try:
        receiver.respond = lambda _r: Reply(status, {"location": target.url})
        client = await make_client(app)
        endpoint = await make_endpoint(api, client, receiver.url)
        await emit_user_deleted(app, client.id, "user-1")
        assert await (await make_dispatcher()).run_once() == 1
        [logged] = await attempts(api, client, endpoint["id"])
        assert (logged["status_code"], logged["outcome"]) == (status, "retrying")
        wait = at(logged["next_attempt_at"]) - at(logged["attempted_at"])
        assert RETRY_DELAYS[0] <= wait <= RETRY_DELAYS[0] * 1.1  # an ordinary failure
        assert target.requests == []
    finally:
        await target.stop()


async def test_only_2xx_counts_as_delivered(
    app: FastAPI, api: httpx.AsyncClient, receiver: Receiver, make_dispatcher: DispatcherFactory
) -> None:
    receiver.respond = lambda r: Reply(int(r.path.rsplit("/", 1)[1]))
    client = await make_client(app)
    codes = [200, 201, 204, 299, 301, 304, 400, 404, 500, 502]
    endpoints = {code: await make_endpoint(api, client, f"{receiver.url}/{code}") for code in codes}
    await emit_user_deleted(app, client.id, "user-1")
    assert await (await make_dispatcher()).run_once() == len(codes)
    for code, endpoint in endpoints.items():
        [logged] = await attempts(api, client, endpoint["id"])
        assert logged["status_code"] == code
        assert logged["outcome"] == ("succeeded" if code < 300 else "retrying")


async def test_a_slow_receiver_times_out(
    app: FastAPI, api: httpx.AsyncClient, receiver: Receiver, make_dispatcher: DispatcherFactory
) -> None:
    receiver.respond = lambda _r: Reply(200, delay=3)
    client = await make_client(app)
    endpoint = await make_endpoint(api, client, receiver.url)
    await emit_user_deleted(app, client.id, "user-1")
    assert await (await make_dispatcher(timeout_seconds=0.3)).run_once() == 1
    [logged] = await attempts(api, client, endpoint["id"])
    assert logged["error"].startswith("timed out")
    assert logged["status_code"] is None
    assert logged["outcome"] == "retrying"


async def test_the_default_delivery_timeout_is_fifteen_seconds(
    app: FastAPI, settings: Settings
) -> None:
    """Standard Webhooks' 15 s, from the setting's default to the worker's HTTP clients (the
    test above shows the timeout is enforced; this one, which value a server runs with)."""
    assert Settings.model_fields["webhook_timeout_seconds"].default == 15.0
    assert settings.webhook_timeout_seconds == 15.0
    loops = build_loops(
        app.state.db, app.state.clock, app.state.vault, settings, build_connectors(settings)
    )
    [dispatcher] = [loop for loop in loops if isinstance(loop, Dispatcher)]
    try:
        sender = dispatcher.sender
        assert sender.timeout_seconds == 15.0  # the whole attempt (asyncio.timeout)
        assert sender._clients  # one client per environment
        for client in sender._clients.values():
            assert client.timeout == httpx.Timeout(15.0)  # connect, read, write and pool
    finally:
        await dispatcher.aclose()


async def test_an_endpoint_failing_everything_for_five_days_is_disabled(
    app: FastAPI,
    api: httpx.AsyncClient,
    clock: ManualClock,
    receiver: Receiver,
    make_dispatcher: DispatcherFactory,
) -> None:
    receiver.respond = lambda _r: Reply(500)
    client = await make_client(app)
    endpoint = await make_endpoint(api, client, receiver.url)
    dispatcher = await make_dispatcher()
    for day in range(5):
        await emit_user_deleted(app, client.id, f"user-{day}")
        await dispatcher.run_once()
        clock.advance(timedelta(days=1) - timedelta(seconds=1))
    url = f"/v1/webhook_endpoints/{endpoint['id']}"
    assert (await api.get(url, auth=client.auth)).json()["enabled"] is True
    clock.advance(timedelta(seconds=5))  # now 5 days after the first failure
    await emit_user_deleted(app, client.id, "user-last")
    await dispatcher.run_once()

    state = (await api.get(url, auth=client.auth)).json()
    assert (state["enabled"], state["disabled_reason"]) == (False, "failing")
    notices = await api.get("/v1/events?type=webhook_endpoint_disabled", auth=client.auth)
    assert len(notices.json()["data"]) == 1
    clock.advance(timedelta(days=1))
    count = len(receiver.requests)
    await dispatcher.run_once()
    assert len(receiver.requests) == count  # nothing is sent to a disabled endpoint


async def test_one_success_resets_the_five_day_count(
    app: FastAPI,
    api: httpx.AsyncClient,
    clock: ManualClock,
    receiver: Receiver,
    make_dispatcher: DispatcherFactory,
) -> None:
    status = {"code": 500}
    receiver.respond = lambda _r: Reply(status["code"])
    client = await make_client(app)
    endpoint = await make_endpoint(api, client, receiver.url, events=["user_deleted"])
    dispatcher = await make_dispatcher()
    await emit_user_deleted(app, client.id, "user-1")
    await dispatcher.run_once()
    clock.advance(timedelta(days=1))
    status["code"] = 200
    await emit_user_deleted(app, client.id, "user-2")
    await dispatcher.run_once()
    status["code"] = 500
    clock.advance(timedelta(days=4, hours=1))
    await emit_user_deleted(app, client.id, "user-3")
    await dispatcher.run_once()
    state = await api.get(f"/v1/webhook_endpoints/{endpoint['id']}", auth=client.auth)
    assert state.json()["enabled"] is True


async def test_both_secrets_sign_during_rotation_then_only_the_new_one(
    app: FastAPI,
    api: httpx.AsyncClient,
    clock: ManualClock,
    receiver: Receiver,
    make_dispatcher: DispatcherFactory,
) -> None:
    client = await make_client(app)
    endpoint = await make_endpoint(api, client, receiver.url)
    rotated = await api.post(
        f"/v1/webhook_endpoints/{endpoint['id']}/rotate_secret", auth=client.auth
    )
    assert rotated.status_code == 200, rotated.text
    new_secret = rotated.json()["secret"]
    assert new_secret != endpoint["secret"]
    dispatcher = await make_dispatcher()
    await emit_user_deleted(app, client.id, "user-1")
    await dispatcher.run_once()

    during = receiver.requests[-1]
    assert len(during.headers["webhook-signature"].split(" ")) == 2
    for secret in (endpoint["secret"], new_secret):
        Webhook(secret).verify(during.body, during.headers)

    clock.advance(timedelta(hours=24, seconds=1))
    await emit_user_deleted(app, client.id, "user-2")
    await dispatcher.run_once()
    after = receiver.requests[-1]
    now = clock.now().timestamp()
    assert len(after.headers["webhook-signature"].split(" ")) == 1
    verify(new_secret, after.headers, after.body, now)
    with pytest.raises(InvalidSignature, match="no v1 signature"):
        verify(endpoint["secret"], after.headers, after.body, now)


async def test_a_secret_that_cannot_be_opened_is_a_failed_attempt_in_the_log(
    app: FastAPI, api: httpx.AsyncClient, receiver: Receiver
) -> None:
    """E.g. the master key that sealed it was removed from GRIDLINK_MASTER_KEYS: the attempt
    fails visibly and is retried on schedule; nothing unsigned is ever sent."""
    client = await make_client(app)
    endpoint = await make_endpoint(api, client, receiver.url)
    await emit_user_deleted(app, client.id, "user-1")
    other_keys = Keyring.parse("kother:" + base64.b64encode(b"\x01" * 32).decode())
    dispatcher = Dispatcher(app.state.db, app.state.clock, other_keys)
    try:
        assert await dispatcher.run_once() == 1
    finally:
        await dispatcher.aclose()
    [logged] = await attempts(api, client, endpoint["id"])
    assert (logged["error"], logged["outcome"]) == ("delivery error: KeyringError", "retrying")
    assert receiver.requests == []
