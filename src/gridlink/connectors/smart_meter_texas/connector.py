"""The Smart Meter Texas connector: Gridlink's contract over the ``smart_meter_texas`` library.

One ``aiohttp.ClientSession`` per login, created here and closed by the session (or at
once when login fails). ``SmartMeterTexasLibrary`` is the only way in to the library's
classes, so tests hand in fakes of them (``SmartMeterTexasConnector.with_library``).

What SMT offers through the library: the ESI IDs of the login and 15-minute interval
reads, one day per request. No statements (bills come from the retail provider, not SMT),
no MFA, no daily or monthly reads; on-demand meter reads (``Meter.read_meter``) are not
used: they take minutes and SMT allows only a few a day.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ClassVar

import aiohttp
import smart_meter_texas as smt

from gridlink.connectors.base import (
    Connector,
    ConnectorContext,
    ConnectorSession,
    Credentials,
    Pace,
    SessionToken,
)
from gridlink.connectors.library_support import SessionFactory, close_session, library_session
from gridlink.connectors.models import Account, IntervalReading, Meter, Statement
from gridlink.connectors.smart_meter_texas import mapping
from gridlink.connectors.smart_meter_texas.errors import library_errors
from gridlink.connectors.smart_meter_texas.utilities import SMT_INFO

# Client(websession, account) → the library's Client (it signs in on first request).
ClientFactory = Callable[[aiohttp.ClientSession, Any], Any]


def new_session(pace: Pace) -> aiohttp.ClientSession:
    return library_session(pace, read_timeout=60)


def new_client(http: aiohttp.ClientSession, account: Any) -> Any:
    # The library's own TLS context: certifi's CA bundle, TLS 1.2 or newer.
    return smt.Client(http, account, smt.ClientSSLContext().create_ssl_context())


@dataclass(frozen=True)
class SmartMeterTexasLibrary:
    session: SessionFactory = new_session
    client: ClientFactory = new_client


class SmartMeterTexasConnector(Connector):
    info = SMT_INFO
    library: ClassVar[SmartMeterTexasLibrary] = SmartMeterTexasLibrary()

    @classmethod
    def with_library(cls, library: SmartMeterTexasLibrary) -> type[SmartMeterTexasConnector]:
        """A variant that reaches other library classes (fakes, in tests)."""
        return type(cls.__name__, (cls,), {"library": library})

    async def login(
        self, credentials: Credentials, *, session_token: SessionToken | None = None
    ) -> ConnectorSession:
        http = self.library.session(self.context.pace)
        try:
            client = self.library.client(
                http, smt.Account(credentials.username, credentials.password)
            )
            with library_errors():
                await client.authenticate()
        except BaseException:
            await close_session(http)
            raise
        return SmartMeterTexasSession(client, http, self.context)


class SmartMeterTexasSession(ConnectorSession):
    def __init__(self, client: Any, http: aiohttp.ClientSession, context: ConnectorContext):
        self._client = client
        self._http = http
        self._context = context
        self._meters: list[Any] | None = None

    def __repr__(self) -> str:
        return f"SmartMeterTexasSession(closed={self._http.closed})"

    async def fetch_accounts(self) -> Sequence[Account]:
        return mapping.accounts(await self._smt_meters())

    async def fetch_meters(self, account: Account) -> Sequence[Meter]:
        return mapping.meters(await self._smt_meters(), account)

    async def fetch_statements(
        self, meter: Meter, since: date | None = None
    ) -> Sequence[Statement]:
        return []  # SMT has no bills: the retail electric provider issues them

    async def fetch_intervals(
        self, meter: Meter, start: datetime, end: datetime
    ) -> Sequence[IntervalReading]:
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be timezone-aware")
        found = next((m for m in await self._smt_meters() if str(m.esiid) == meter.number), None)
        if found is None or start >= end:
            return []
        today = self._context.now().astimezone(mapping.ZONE).date()
        first = start.astimezone(mapping.ZONE).date()
        last = min((end - timedelta(microseconds=1)).astimezone(mapping.ZONE).date(), today)
        readings: dict[tuple[datetime, str], IntervalReading] = {}
        day = first
        while day <= last:
            for reading in await self._day(found, day, start, end):
                readings[reading.start, reading.direction] = reading
            day += timedelta(days=1)
        return [readings[key] for key in sorted(readings)]

    async def close(self) -> None:
        await close_session(self._http)

    async def _smt_meters(self) -> list[Any]:
        if self._meters is None:
            with library_errors():
                self._meters = list(await self._client.account.fetch_meters(self._client))
        return self._meters

    async def _day(
        self, smt_meter: Any, day: date, start: datetime, end: datetime
    ) -> list[IntervalReading]:
        # The library asks for "the day `prevdays` before today" by the system calendar.
        prevdays = (date.today() - day).days
        with library_errors():
            try:
                await smt_meter.get_15min(self._client, prevdays)
            except smt.SmartMeterTexasAPIDateError:
                return []  # no reads for that day (nor the day before) yet
        return mapping.readings(smt_meter.read_15min_consumption, smt_meter.read_15min, start, end)
