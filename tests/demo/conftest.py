"""The demo's backend drives real connections, so it runs with the engine's fast worker.

``demo`` makes the demo's own client as `gridlink serve` does at start-up; ``browser()`` opens
another browser (its own cookie jar) on the demo page, so it gets its own demo user."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest
from fastapi import FastAPI

from gridlink.demo.service import ensure_demo_client
from tests.attempts.conftest import app, settings  # noqa: F401

BrowserFactory = Callable[[], Awaitable[httpx.AsyncClient]]


@pytest.fixture
async def demo(app: FastAPI) -> None:  # noqa: F811
    async with app.state.db.transaction() as session:
        await ensure_demo_client(session, app.state.clock, "http://testserver")


@pytest.fixture
async def browser(app: FastAPI) -> AsyncIterator[BrowserFactory]:  # noqa: F811
    opened: list[httpx.AsyncClient] = []

    async def open_browser() -> httpx.AsyncClient:
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        opened.append(client)
        page = await client.get("/demo")
        assert page.status_code == 200, page.text
        return client

    yield open_browser
    for client in opened:
        await client.aclose()


@pytest.fixture
async def api(demo: None, browser: BrowserFactory) -> httpx.AsyncClient:
    """One browser that has loaded the demo page (the demo's client exists)."""
    return await browser()
