"""Delivery workers: sharing work, waking on commit, and surviving kill -9."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections import Counter
from collections.abc import AsyncIterator

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI
from sqlalchemy import select

from gridlink import Settings, create_app
from gridlink.events.service import record_event
from gridlink.kit.clock import ManualClock
from gridlink.models import WebhookDelivery
from tests.event_helpers import emit_user_deleted
from tests.factories import make_client, make_credential
from tests.receiver import Received, Receiver, Reply
from tests.webhooks.conftest import DispatcherFactory, make_endpoint


async def test_two_workers_share_the_work_and_send_each_delivery_once(
    app: FastAPI, api: httpx.AsyncClient, receiver: Receiver, make_dispatcher: DispatcherFactory
) -> None:
    client = await make_client(app)
    await make_endpoint(api, client, receiver.url)
    events = [await emit_user_deleted(app, client.id, f"user-{i}") for i in range(40)]
    first, second = await make_dispatcher(batch_size=3), await make_dispatcher(batch_size=3)
    done = await asyncio.gather(first.run_once(), second.run_once())
    assert sum(done) == 40
    assert Counter(r.webhook_id for r in receiver.requests) == Counter(e.id for e in events)


@pytest.fixture
async def app_with_worker(settings: Settings, clock: ManualClock) -> AsyncIterator[FastAPI]:
    """``gridlink serve``'s arrangement: the delivery worker runs in the API's process. It
    polls only every 60 s, so a prompt delivery proves the wake-up on commit."""
    update = {"run_worker": True, "webhook_poll_seconds": 60.0}
    application = create_app(settings.model_copy(update=update), clock=clock)
    async with LifespanManager(application):
        yield application


async def test_the_in_process_worker_delivers_right_after_commit(
    app_with_worker: FastAPI, receiver: Receiver
) -> None:
    app = app_with_worker
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
        client = await make_client(app)
        await make_endpoint(api, client, receiver.url)
        await make_credential(app, client, "user-1")
        await asyncio.sleep(0.2)  # the worker is waiting by now
        assert (await api.delete("/v1/users/user-1", auth=client.auth)).status_code == 204
        assert await receiver.wait_for(lambda r: len(r) == 1, 20)
    assert receiver.requests[0].headers["webhook-id"].startswith("evt_")


async def _start_worker(env: dict[str, str], **settings: str) -> asyncio.subprocess.Process:
    extra = {f"GRIDLINK_WEBHOOK_{k.upper()}": v for k, v in settings.items()}
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gridlink",
        "worker",
        env={**os.environ, **env, **extra},
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.DEVNULL,
    )


async def _statuses(app: FastAPI) -> Counter[str]:
    async with app.state.db.transaction(write=False) as session:
        return Counter((await session.scalars(select(WebhookDelivery.status))).all())


@pytest.mark.slow
async def test_kill_9_of_a_standalone_worker_loses_nothing(
    app: FastAPI,
    api: httpx.AsyncClient,
    db_url: str,
    settings_env: dict[str, str],
    receiver: Receiver,
) -> None:
    """PostgreSQL: worker A (woken by NOTIFY: it polls only every 60 s) is killed with
    SIGKILL in the middle of deliveries — the receiver holds its answers from the 60th request
    on, so A certainly has requests in flight it never recorded. Worker B takes over the rows
    A had leased once their leases expire. Every event arrives at least once; every delivery
    ends succeeded; the requests A never saw answered arrive a second time, from B."""
    if not db_url.startswith("postgresql"):
        pytest.skip("standalone workers share the work on PostgreSQL")
    a_killed = asyncio.Event()

    def answer(_request: Received) -> Reply:
        hold = len(receiver.requests) > 60 and not a_killed.is_set()
        return Reply(200, delay=30 if hold else 0.01)

    receiver.respond = answer
    client = await make_client(app)
    await make_endpoint(api, client, receiver.url)
    first = await emit_user_deleted(app, client.id, "first")
    worker_a = await _start_worker(
        settings_env, poll_seconds="60", lease_seconds="2", concurrency="8", batch_size="8"
    )
    worker_b = None
    try:
        assert await receiver.wait_for(lambda r: len(r) >= 1, 60), "worker A did not start"
        async with app.state.db.transaction() as session:
            events = [first] + [
                await record_event(
                    session,
                    app.state.clock,
                    client_id=client.id,
                    type="user_deleted",
                    data={},
                    client_user_id=f"user-{i}",
                )
                for i in range(200)
            ]
        assert await receiver.wait_for(lambda r: len(r) >= 61, 20), "NOTIFY did not wake A"
        worker_a.send_signal(signal.SIGKILL)
        await worker_a.wait()
        a_killed.set()
        unanswered = {r.webhook_id for r in receiver.requests[60:]}
        assert unanswered  # A died with requests in flight
        assert (await _statuses(app))["pending"] > len(unanswered)  # and work left

        worker_b = await _start_worker(settings_env, poll_seconds="0.2", lease_seconds="2")
        everything = {e.id for e in events}
        assert await receiver.wait_for(lambda r: {x.webhook_id for x in r} >= everything, 90)
        for _ in range(100):
            if await _statuses(app) == Counter({"succeeded": len(events)}):
                break
            await asyncio.sleep(0.1)
        assert await _statuses(app) == Counter({"succeeded": len(events)})
        arrivals = Counter(r.webhook_id for r in receiver.requests)
        assert all(arrivals[i] >= 2 for i in unanswered)  # resent by B after the lease
    finally:
        for worker in (worker_a, worker_b):
            if worker is not None and worker.returncode is None:
                worker.terminate()
                await worker.wait()
