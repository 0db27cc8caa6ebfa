"""Wake-ups after commit: tell waiting workers that new work was committed.

A transaction that creates work calls ``announce``. In the same process, a listener on the
session's ``after_commit`` rings every ``Waiter`` of that channel (a rollback rings nothing). On
PostgreSQL the transaction also runs ``pg_notify``, which the server delivers to listeners in
other processes only when, and if, the transaction commits (a per-object channel through the
process's relay, kit/relay.py). Wake-ups only shorten a wait:
workers poll as well, so a lost wake-up delays work but never loses it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from types import TracebackType
from typing import Any

from sqlalchemy import event, text
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession
from sqlalchemy.orm import Session

from gridlink.kit.db import Database
from gridlink.kit.outages import is_transient
from gridlink.kit.tasks import cancel_and_wait

logger = logging.getLogger(__name__)

_INFO_KEY = "gridlink_wakeup_channels"
# Per-object channels ("name:id") reach other processes through this one channel, their name as
# the payload (kit/relay.py): PostgreSQL would need a LISTEN per object.
RELAY_CHANNEL = "gridlink_relay"
_bells: dict[str, set[tuple[asyncio.AbstractEventLoop, asyncio.Event]]] = {}


async def announce(session: AsyncSession, channel: str) -> None:
    """Wake the channel's waiters once this session's transaction commits."""
    channels: set[str] = session.info.setdefault(_INFO_KEY, set())
    if channel in channels:
        return
    channels.add(channel)
    if session.get_bind().dialect.name == "postgresql":
        name, payload = (RELAY_CHANNEL, channel) if ":" in channel else (channel, "")
        await session.execute(
            text("SELECT pg_notify(:channel, :payload)"), {"channel": name, "payload": payload}
        )


def ring(channel: str) -> None:
    for loop, bell in list(_bells.get(channel, ())):
        if not loop.is_closed():
            loop.call_soon_threadsafe(bell.set)


@event.listens_for(Session, "after_commit")
def _ring_after_commit(session: Session) -> None:
    for channel in session.info.pop(_INFO_KEY, ()):
        ring(channel)


@event.listens_for(Session, "after_rollback")
def _forget_after_rollback(session: Session) -> None:
    session.info.pop(_INFO_KEY, None)


class Waiter:
    """Wait for a channel's wake-ups (or a timeout). On PostgreSQL it also LISTENs on a
    dedicated connection, reconnecting on the next wait if that connection was lost."""

    def __init__(self, db: Database, channel: str, *, listen: bool = True) -> None:
        """``listen=False``: in-process wake-ups only (no PostgreSQL connection of its own), for
        short-lived waiters such as long-polling requests that also poll."""
        self.db = db
        self.channel = channel
        self.listen = listen
        self.bell = asyncio.Event()
        self._member: tuple[asyncio.AbstractEventLoop, asyncio.Event] | None = None
        self._connection: AsyncConnection | None = None
        self._driver: Any = None
        self._warned = False

    async def __aenter__(self) -> Waiter:
        self._member = (asyncio.get_running_loop(), self.bell)
        _bells.setdefault(self.channel, set()).add(self._member)
        await self._listen()
        return self

    async def __aexit__(
        self,
        _type: type[BaseException] | None,
        _exc: BaseException | None,
        _tb: TracebackType | None,
    ) -> None:
        if self._member is not None:
            _bells.get(self.channel, set()).discard(self._member)
        await self._unlisten()

    def clear(self) -> None:
        """Forget earlier wake-ups; call before looking for work so none is missed."""
        self.bell.clear()

    async def wait(self, seconds: float) -> bool:
        """True when woken, False when ``seconds`` passed first."""
        if (
            self.listen
            and self.db.direct_engine is not None
            and self.db.dialect == "postgresql"
            and (self._driver is None or self._driver.is_closed())
        ):
            await self._unlisten()
            await self._listen()
        try:
            await asyncio.wait_for(self.bell.wait(), timeout=seconds)
        except TimeoutError:
            return False
        return True

    async def wait_or_stop(self, stop: asyncio.Event, seconds: float) -> None:
        """Until woken, ``stop`` is set, or ``seconds`` pass, whichever comes first."""
        stopped = asyncio.create_task(stop.wait())
        woken = asyncio.create_task(self.wait(seconds))
        try:
            await asyncio.wait({stopped, woken}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            await cancel_and_wait(stopped, woken)

    def _on_notify(self, *_args: object) -> None:
        self.bell.set()

    async def _listen(self) -> None:
        engine = self.db.direct_engine
        if self.db.dialect != "postgresql" or not self.listen or engine is None:
            return  # behind a transaction pooler with no direct connection: polling only
        try:
            self._connection = await engine.connect()
            raw = await self._connection.get_raw_connection()
            self._driver = raw.driver_connection
            await self._driver.add_listener(self.channel, self._on_notify)
            self._warned = False
        except Exception as error:
            # Tried again at every wait: say so once per outage, not once per poll.
            if not self._warned:
                self._warned = True
                trace = not is_transient(error)
                logger.warning(
                    "cannot LISTEN for wake-ups; polling only until it can",
                    exc_info=trace,
                    extra={"error": type(error).__name__},
                )
            await self._unlisten()

    async def _unlisten(self) -> None:
        driver, connection = self._driver, self._connection
        self._driver, self._connection = None, None
        if driver is not None and not driver.is_closed():
            with contextlib.suppress(Exception):
                await driver.remove_listener(self.channel, self._on_notify)
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close()
