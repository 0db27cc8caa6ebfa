"""Wake-ups of one object's waiters from other processes: an attempt's long-polls.

A long-poll waits on its attempt's channel (``gridlink_attempt:<id>``). In the process that
changed the attempt the commit rings it at once (kit/wakeup.py), but an API process beside a
worker heard of the change only at its next look (every 0.25 s): each step of a sign-in showed
up to a quarter second late. PostgreSQL would need a ``LISTEN`` per attempt, on a connection per
long-poll; instead ``announce`` sends a per-object channel's name as the payload of one channel,
``RELAY_CHANNEL``, and each process holds one connection listening there and rings the named
channel's waiters. Without a connection of its own (SQLite, PgBouncer in transaction mode without
a direct URL), or while it is lost, long-polls look every 0.25 s as before: a relayed wake-up
only shortens a wait.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from gridlink.kit.db import Database
from gridlink.kit.outages import Backoff, log_failure
from gridlink.kit.wakeup import RELAY_CHANNEL, ring

logger = logging.getLogger(__name__)

CHECK_SECONDS = 1.0  # how soon a lost connection is noticed and replaced


class Relay:
    """One ``LISTEN`` connection per process that rings this process's waiters of the channel
    each notification names."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.listening = asyncio.Event()  # set while notifications can arrive

    async def run(self, stop: asyncio.Event) -> None:
        if self.db.dialect != "postgresql" or self.db.direct_engine is None:
            return  # no server connection of our own: long-polls poll
        backoff = Backoff(first=0.5, most=30.0)
        while not stop.is_set():
            try:
                async with self.db.direct_engine.connect() as connection:
                    await self._listen(connection, stop, backoff)
            except Exception as error:  # a lost connection must not end the relay
                self.listening.clear()
                pause = backoff.failed()
                log_failure(logger, "relay lost its connection; long-polls poll", error, pause)
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=pause)

    async def _listen(
        self, connection: AsyncConnection, stop: asyncio.Event, backoff: Backoff
    ) -> None:
        raw = await connection.get_raw_connection()
        driver: Any = raw.driver_connection
        await driver.add_listener(RELAY_CHANNEL, _ring_named)
        self.listening.set()
        backoff.succeeded()
        try:
            while not stop.is_set():
                if driver.is_closed():
                    raise ConnectionError("the relay's LISTEN connection was closed")
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(stop.wait(), timeout=CHECK_SECONDS)
        finally:
            self.listening.clear()
            if not driver.is_closed():
                with contextlib.suppress(Exception):
                    await driver.remove_listener(RELAY_CHANNEL, _ring_named)


def _ring_named(_connection: object, _pid: int, _channel: str, payload: str) -> None:
    ring(payload)
