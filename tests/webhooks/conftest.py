"""Fixtures for webhook tests: a live receiver, endpoints made through the API, dispatchers."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gridlink.kit.clock import ManualClock
from gridlink.webhooks.dispatcher import DeliverySettings, Dispatcher
from gridlink.webhooks.targets import Resolver, system_resolver
from tests.factories import TestClient
from tests.receiver import Receiver


@pytest.fixture
def clock() -> ManualClock:
    """Near the real time, so receivers (and standardwebhooks) accept the timestamps."""
    return ManualClock(datetime.now(UTC).replace(microsecond=0))


@pytest.fixture
async def receiver() -> AsyncIterator[Receiver]:
    server = await Receiver().start()
    yield server
    await server.stop()


async def make_endpoint(
    api: httpx.AsyncClient, client: TestClient, url: str, **fields: Any
) -> dict[str, Any]:
    response = await api.post(
        "/v1/webhook_endpoints", json={"url": url, **fields}, auth=client.auth
    )
    assert response.status_code == 201, response.text
    body: dict[str, Any] = response.json()
    return body


DispatcherFactory = Callable[..., Awaitable[Dispatcher]]


@pytest.fixture
async def make_dispatcher(app: FastAPI) -> AsyncIterator[DispatcherFactory]:
    made: list[Dispatcher] = []

    async def factory(resolver: Resolver = system_resolver, **settings: Any) -> Dispatcher:
        settings.setdefault("allow_loopback", True)  # the receivers here listen on 127.0.0.1
        dispatcher = Dispatcher(
            app.state.db,
            app.state.clock,
            app.state.keyring,
            DeliverySettings(**settings),
            resolver=resolver,
        )
        made.append(dispatcher)
        return dispatcher

    yield factory
    for dispatcher in made:
        await dispatcher.aclose()
