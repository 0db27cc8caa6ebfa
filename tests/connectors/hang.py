"""A route that does not answer, for time-bound tests on an ``HttpsSite``."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager

from aiohttp import web


class Hang:
    """Holds every request it gets until the test lets go (``with hang.held(): ...``), then
    answers 504, so the site can shut down at once."""

    def __init__(self) -> None:
        self.entered = 0
        self.released = asyncio.Event()

    async def __call__(self, request: web.Request) -> web.Response:
        self.entered += 1
        await self.released.wait()
        return web.Response(status=504)

    @contextmanager
    def held(self) -> Iterator[None]:
        try:
            yield
        finally:
            self.released.set()
