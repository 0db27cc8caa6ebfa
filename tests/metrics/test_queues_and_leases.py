"""Queue backlogs are database facts read at scrape time (and cached); leases taken over from
a dead worker are counted where the engine takes them over."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from gridlink import Settings, create_app
from gridlink.attempts.repository import AttemptRepository
from gridlink.attempts.runner import AttemptRunner
from gridlink.kit.clock import ManualClock
from gridlink.sync.repository import SyncRepository
from gridlink.worker.registry import build_connectors
from tests.attempts.flows import connect_token, open_session, sign_in
from tests.factories import make_client
from tests.lifespan import running
from tests.metrics.scrape import moved, scrape
from tests.sync.helpers import wait_until_synced


@pytest.fixture
async def idle(settings: Settings, clock: ManualClock) -> AsyncIterator[FastAPI]:
    """The app without its worker: what is queued stays queued."""
    async with running(
        create_app(settings.model_copy(update={"run_worker": False}), clock=clock)
    ) as app:
        yield app


async def test_queued_attempts_show_as_depth_and_age_read_once_per_cache_period(
    idle: FastAPI, clock: ManualClock
) -> None:
    transport = httpx.ASGITransport(app=idle)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as api:
        client = await make_client(idle)
        token = await connect_token(api, client, client_user_id="u", utility_id="sandbox_electric")
        widget = await open_session(api, token)
        assert (await widget.submit("user_good"))["status"] == "queued"
        clock.advance(timedelta(seconds=42))
        samples = await scrape(api)
        assert samples.get_value("gridlink_queue_depth", queue="connection_attempts") == 1
        assert (
            samples.get_value("gridlink_queue_oldest_age_seconds", queue="connection_attempts")
            == 42
        )
        assert samples.get_value("gridlink_queue_depth", queue="utility_syncs") == 0
        assert samples.get_value("gridlink_queue_depth", queue="webhook_deliveries") == 0
        # The next scrape within the cache period reads no new backlog: a second attempt
        # (another end user's) is not seen yet.
        other = await open_session(
            api, await connect_token(api, client, client_user_id="v", utility_id="sandbox_electric")
        )
        assert (await other.submit("user_good"))["status"] == "queued"
        cached = await scrape(api)
        assert cached.get_value("gridlink_queue_depth", queue="connection_attempts") == 1


async def test_an_attempt_of_a_dead_worker_is_counted_as_a_lease_expiry(
    idle: FastAPI, clock: ManualClock, settings: Settings
) -> None:
    transport = httpx.ASGITransport(app=idle)
    async with httpx.AsyncClient(transport=transport, base_url="http://t") as api:
        client = await make_client(idle)
        token = await connect_token(api, client, client_user_id="u", utility_id="sandbox_electric")
        widget = await open_session(api, token)
        attempt = await widget.submit("user_good")
        db = idle.state.db
        now = clock.now()
        async with db.transaction() as session:  # a worker claims it, then dies
            claimed = await AttemptRepository(session).claim_queued(
                "dead-worker", now + timedelta(seconds=5), now, 10
            )
        assert claimed == [attempt["id"]]
        before = await scrape(api)
        clock.advance(timedelta(seconds=6))
        runner = AttemptRunner(db, clock, idle.state.vault, build_connectors(settings))
        assert await runner.reap() == 1
        after = await scrape(api)
    assert moved(before, after, "gridlink_lease_expiries_total", queue="connection_attempts") == 1
    interrupted = {"utility_id": "sandbox_electric", "outcome": "error"}
    assert (
        moved(
            before, after, "gridlink_sign_ins_total", **interrupted, detail="CONNECTION_INTERRUPTED"
        )
        == 1
    )


async def test_a_sync_taken_over_after_its_lease_expired_is_counted(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    _, attempt = await sign_in(api, client, "user_good")
    credential_id = attempt["utility_credential_id"]
    await wait_until_synced(api, client, credential_id)
    before = await scrape(api)
    async with app.state.db.transaction() as session:  # as if a worker took it and died
        sync = await SyncRepository(session).for_credential(credential_id, for_update=True)
        assert sync is not None
        sync.state, sync.kind = "running", "requested"
        sync.lease_owner = "dead-worker"
        sync.lease_expires_at = clock.now() - timedelta(seconds=1)
    await wait_until_synced(api, client, credential_id)  # this process's worker took it over
    after = await scrape(api)
    assert moved(before, after, "gridlink_lease_expiries_total", queue="utility_syncs") == 1
