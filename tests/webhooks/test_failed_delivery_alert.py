"""Control 5 (security.md): a delivery that ends ``failed`` tells the operator once — one WARNING
log line naming the endpoint, the event and the delivery, never the secret, the body or the URL.
Real database, real HTTP to a receiver on 127.0.0.1, the real dispatcher."""

from __future__ import annotations

import logging
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from gridlink.kit.clock import ManualClock
from gridlink.kit.logging import RedactingJsonFormatter
from gridlink.webhooks.schedule import MAX_ATTEMPTS, RETRY_DELAYS
from tests.event_helpers import emit_user_deleted
from tests.factories import make_client
from tests.receiver import Receiver, Reply
from tests.webhooks.conftest import DispatcherFactory, make_endpoint

ALERT = "webhook delivery failed: no further attempts"
RECORDING_LOGGER = "gridlink.webhooks.recording"


def alerts(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.getMessage() == ALERT]


def assert_tells_only_ids(
    record: logging.LogRecord, endpoint: dict[str, str], event_id: str, secrets: list[bytes]
) -> None:
    assert record.levelno == logging.WARNING
    assert record.name == RECORDING_LOGGER
    assert record.__dict__["webhook_endpoint_id"] == endpoint["id"]
    assert record.__dict__["event_id"] == event_id
    assert record.__dict__["delivery_id"].startswith("whd_")
    line = RedactingJsonFormatter().format(record)  # what the operator's log gets
    assert endpoint["id"] in line
    assert event_id in line
    for secret in secrets:
        assert secret not in line.encode(), secret


async def test_a_delivery_failing_its_last_attempt_is_reported_once(
    app: FastAPI,
    api: httpx.AsyncClient,
    clock: ManualClock,
    receiver: Receiver,
    make_dispatcher: DispatcherFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger=RECORDING_LOGGER)
    receiver.respond = lambda _r: Reply(500)
    client = await make_client(app)
    endpoint = await make_endpoint(api, client, receiver.url)
    events = [await emit_user_deleted(app, client.id, f"user-{i}") for i in range(2)]
    dispatcher = await make_dispatcher()

    for delay in RETRY_DELAYS:  # nine failed attempts with a retry to come: no alert yet
        assert await dispatcher.run_once() == len(events)
        assert alerts(caplog) == []
        clock.advance(delay * 1.1 + timedelta(seconds=1))  # past the jitter, under 5 days
    assert await dispatcher.run_once() == len(events)  # the tenth and last attempt

    reported = alerts(caplog)
    assert sorted(r.__dict__["event_id"] for r in reported) == sorted(e.id for e in events)
    secrets = [endpoint["secret"].encode(), receiver.url.encode()]
    secrets += [r.body for r in receiver.requests]
    for record in reported:
        assert_tells_only_ids(record, endpoint, record.__dict__["event_id"], secrets)
        assert record.__dict__["attempts"] == MAX_ATTEMPTS
        assert record.__dict__["reason"] == "retries exhausted"
        assert record.__dict__["status_code"] == 500

    clock.advance(timedelta(days=3))
    assert await dispatcher.run_once() == 0
    assert len(alerts(caplog)) == len(events)  # once per delivery, never again


async def test_a_delivery_ended_by_410_is_reported_once(
    app: FastAPI,
    api: httpx.AsyncClient,
    clock: ManualClock,
    receiver: Receiver,
    make_dispatcher: DispatcherFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger=RECORDING_LOGGER)
    receiver.respond = lambda _r: Reply(410)
    client = await make_client(app)
    endpoint = await make_endpoint(api, client, receiver.url)
    event = await emit_user_deleted(app, client.id, "user-1")
    dispatcher = await make_dispatcher()

    assert await dispatcher.run_once() == 1
    clock.advance(timedelta(days=1))
    assert await dispatcher.run_once() == 0

    [record] = alerts(caplog)
    [request] = receiver.requests
    secrets = [endpoint["secret"].encode(), receiver.url.encode(), request.body]
    assert_tells_only_ids(record, endpoint, event.id, secrets)
    assert (record.__dict__["attempts"], record.__dict__["reason"]) == (
        1,
        "endpoint gone (HTTP 410)",
    )


async def test_a_retried_or_delivered_event_is_not_reported(
    app: FastAPI,
    api: httpx.AsyncClient,
    clock: ManualClock,
    receiver: Receiver,
    make_dispatcher: DispatcherFactory,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.WARNING, logger=RECORDING_LOGGER)
    answers = iter([Reply(503), Reply(500), Reply(200)])
    receiver.respond = lambda _r: next(answers)
    client = await make_client(app)
    await make_endpoint(api, client, receiver.url)
    await emit_user_deleted(app, client.id, "user-1")
    dispatcher = await make_dispatcher()
    for delay in RETRY_DELAYS[:3]:
        assert await dispatcher.run_once() == 1
        clock.advance(delay * 1.1 + timedelta(seconds=1))
    assert len(receiver.requests) == 3
    assert alerts(caplog) == []
