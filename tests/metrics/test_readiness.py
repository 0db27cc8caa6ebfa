"""/readyz of a process that runs a worker reflects its loops: a loop that crashed and has not
recovered, or that stopped making progress, makes it 503 ``worker_unhealthy``. Real loops in a
real Worker, supervised as in production."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager

import httpx
from fastapi import FastAPI

from gridlink.kit.heartbeat import beat
from gridlink.kit.tasks import cancel_and_wait
from gridlink.worker.runner import BackgroundLoop, Worker
from tests.factories import assert_error
from tests.metrics.scrape import scrape


class Failing:
    """Crashes every time it starts, until ``healed``; then beats like a working loop."""

    name = "failing"

    def __init__(self) -> None:
        self.healed = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        if not self.healed.is_set():
            raise RuntimeError("the database went away")
        while not stop.is_set():
            beat(within=0.05)
            await asyncio.sleep(0.01)


class Stuck:
    """Makes a turn, then hangs (a lock never released, a connection that never answers)."""

    name = "stuck"

    async def run(self, stop: asyncio.Event) -> None:
        beat()
        await asyncio.Event().wait()


@asynccontextmanager
async def worker_in(
    app: FastAPI, loops: Sequence[BackgroundLoop], stall_seconds: float
) -> AsyncIterator[Worker]:
    """Run a Worker with ``loops`` as the app's own (as `gridlink serve` does)."""
    worker = Worker(app.state.db, app.state.clock, (), 0.05, loops, stall_seconds=stall_seconds)
    app.state.worker_health = worker.health
    app.state.metrics.worker = worker.health
    stop = asyncio.Event()
    task = asyncio.create_task(worker.run_forever(stop))
    try:
        yield worker
    finally:
        stop.set()
        await asyncio.wait({task}, timeout=1)
        await cancel_and_wait(task)  # the stuck loop never returns by itself


async def _until(api: httpx.AsyncClient, status: int, within: float = 5.0) -> httpx.Response:
    deadline = time.monotonic() + within
    while True:
        response = await api.get("/readyz")
        if response.status_code == status or time.monotonic() > deadline:
            return response
        await asyncio.sleep(0.02)


async def test_a_crashed_loop_makes_readyz_fail_until_it_recovers(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    failing = Failing()
    async with worker_in(app, [failing], stall_seconds=30):
        refused = await _until(api, 503)
        error = assert_error(refused, 503, "worker_unhealthy")
        assert "failing loop crashed (RuntimeError)" in str(error["message"])
        assert "the database went away" not in refused.text  # the type, never the message
        samples = await scrape(api)
        assert samples.get_value("gridlink_worker_loop_up", loop="failing") == 0
        assert samples.get_value("gridlink_worker_loop_crashes_total", loop="failing") >= 1
        failing.healed.set()
        assert (await _until(api, 200)).json() == {"status": "ready"}
        assert (await scrape(api)).get_value("gridlink_worker_loop_up", loop="failing") == 1


async def test_a_loop_that_stops_making_progress_makes_readyz_fail(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    async with worker_in(app, [Stuck()], stall_seconds=0.3):
        assert (await api.get("/readyz")).status_code == 200  # it just made a turn
        refused = await _until(api, 503)
        error = assert_error(refused, 503, "worker_unhealthy")
        assert "stuck loop has not made progress" in str(error["message"])
        samples = await scrape(api)
        assert samples.get_value("gridlink_worker_loop_heartbeat_age_seconds", loop="stuck") > 0.3
        # The periodic jobs keep beating: only the stuck loop is named.
        assert samples.get_value("gridlink_worker_loop_up", loop="periodic_jobs") == 1


async def test_the_real_loops_of_a_serving_worker_are_healthy(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    assert (await api.get("/readyz")).status_code == 200
    samples = await scrape(api)
    loops = {"periodic_jobs", "webhook_deliveries", "connection_attempts", "utility_syncs"}
    for loop in loops | {"file_sweeper"}:
        assert samples.get_value("gridlink_worker_loop_up", loop=loop) == 1, loop
