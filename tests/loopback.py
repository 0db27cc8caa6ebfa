"""A real HTTP server on 127.0.0.1 that logs what reaches it, for the pacing tests."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import pytest
from aiohttp import web

from gridlink.connectors.base import Pace


class Site:
    """A loopback server that logs each request it receives into the shared ``log``."""

    def __init__(self) -> None:
        self.log: list[str] = []
        self.port = 0

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def app(self) -> web.Application:
        async def page(request: web.Request) -> web.Response:
            self.log.append(f"request {request.path}")
            return web.Response(text="ok")

        async def moved(request: web.Request) -> web.Response:
            self.log.append(f"request {request.path}")
            raise web.HTTPFound("/page")

        async def slow(request: web.Request) -> web.Response:
            self.log.append(f"request {request.path}")
            await asyncio.sleep(5)
            return web.Response(text="late")

        app = web.Application()
        app.router.add_get("/page", page)
        app.router.add_get("/moved", moved)
        app.router.add_get("/slow", slow)
        return app

    def pace(self) -> Pace:
        async def pace() -> None:
            self.log.append("pace")

        return pace


@pytest.fixture(name="site")
async def site_fixture() -> AsyncIterator[Site]:
    """A running ``Site``; import ``site_fixture`` to use it as ``site``."""
    found = Site()
    runner = web.AppRunner(found.app(), shutdown_timeout=0.1)
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    found.port = runner.addresses[0][1]
    yield found
    await runner.cleanup()
