"""The Smart Meter Texas connector: Gridlink's contract over the ``smart_meter_texas`` library.

One ``aiohttp.ClientSession`` per login, created here and closed by the session (or at
once when login fails). The library's ``Client`` gets it through ``GuardedHttp``
(:mod:`.http`): every request paced, SMT's throttling and token refusals judged before the
library sees them. ``SmartMeterTexasLibrary`` holds what tests replace: the session factory,
the TLS context the library pins on each request, and the time bound of one library call.

What SMT offers through the library: the ESI IDs of the login and 15-minute interval reads.
The library's ``Meter.get_15min`` asks for one day counted back from the system date and,
when that day has no reads, for the day before as well; it drops the actual/estimated flag.
So this connector sends the library's own interval request for the exact day through
``Client.request`` and parses the answer with the library's slot parser (:mod:`.mapping`).
SMT's web API is asked for one day per request, as the library does. No statements (bills
come from the retail provider, not SMT), no MFA; on-demand meter reads
(``Meter.read_meter``) are not used: they take minutes and SMT allows only a few a day.
"""

from __future__ import annotations

import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, ClassVar, TypeVar

import aiohttp
import smart_meter_texas as smt
from smart_meter_texas.const import INTERVAL_SYNCH

from gridlink.connectors.base import (
    Connector,
    ConnectorContext,
    ConnectorSession,
    Credentials,
    Pace,
    SessionToken,
)
from gridlink.connectors.library_support import (
    LIBRARY_CALL_TIMEOUT,
    SessionFactory,
    close_session,
    library_session,
    raised_as_ours,
)
from gridlink.connectors.models import Account, IntervalReading, Meter, Resolution, Statement
from gridlink.connectors.pacing import Pacer, SessionPace
from gridlink.connectors.smart_meter_texas import mapping
from gridlink.connectors.smart_meter_texas.errors import (
    TokenRejected,
    library_errors,
    translate,
)
from gridlink.connectors.smart_meter_texas.http import GuardedHttp
from gridlink.connectors.smart_meter_texas.utilities import SMT_INFO

T = TypeVar("T")

# SMT publishes no limit for its web API and locks sign-ins out after bursts. A backfill is
# one request per day: at this pace 24 months take about 37 minutes.
SMT_PACE = SessionPace(spacing=timedelta(seconds=2), per_minute=20)
# Sign-ins again after SMT refused a token, per session: SMT throttles sign-ins, and a site
# that refuses every token after one use should end the run, not sign in before each day.
SIGN_INS_AGAIN = 3


def new_session(pace: Pace) -> aiohttp.ClientSession:
    return library_session(pace, read_timeout=60)


def library_ssl_context() -> ssl.SSLContext:
    # The library's own TLS context: certifi's CA bundle, TLS 1.2 or newer, names checked.
    context: ssl.SSLContext = smt.ClientSSLContext().create_ssl_context()
    return context


@dataclass(frozen=True)
class SmartMeterTexasLibrary:
    session: SessionFactory = new_session
    ssl_context: Callable[[], ssl.SSLContext] = library_ssl_context
    call_timeout: timedelta = field(default=LIBRARY_CALL_TIMEOUT)


class SmartMeterTexasConnector(Connector):
    info = SMT_INFO
    library: ClassVar[SmartMeterTexasLibrary] = SmartMeterTexasLibrary()
    pace: ClassVar[SessionPace] = SMT_PACE

    @classmethod
    def with_library(cls, library: SmartMeterTexasLibrary) -> type[SmartMeterTexasConnector]:
        """A variant that reaches SMT elsewhere (a fake site, in tests)."""
        return type(cls.__name__, (cls,), {"library": library})

    async def login(
        self, credentials: Credentials, *, session_token: SessionToken | None = None
    ) -> ConnectorSession:
        http = self.library.session(self.context.pace)
        try:
            pacer = Pacer(self.pace, self.context.clock, self.context.sleep)
            guarded = GuardedHttp(http, pacer, self.context.clock)
            account = smt.Account(credentials.username, credentials.password)
            session = SmartMeterTexasSession(
                lambda: smt.Client(guarded, account, self.library.ssl_context()),
                http,
                self.context,
                self.library.call_timeout,
            )
            await session.sign_in()
        except BaseException:
            await close_session(http)
            raise
        return session


class SmartMeterTexasSession(ConnectorSession):
    def __init__(
        self,
        new_client: Callable[[], Any],
        http: aiohttp.ClientSession,
        context: ConnectorContext,
        call_timeout: timedelta,
    ):
        self._new_client = new_client
        self._client = new_client()
        self._http = http
        self._context = context
        self._within = call_timeout
        self._meters: list[Any] | None = None
        self._last_day: dict[str, tuple[date, list[mapping.Read]]] = {}  # by ESI ID
        self._sign_ins_left = SIGN_INS_AGAIN

    def __repr__(self) -> str:
        return f"SmartMeterTexasSession(closed={self._http.closed})"

    async def sign_in(self) -> None:
        async with library_errors(self._within):
            await self._client.authenticate()

    async def fetch_accounts(self) -> Sequence[Account]:
        return mapping.accounts(await self._smt_meters())

    async def fetch_meters(self, account: Account) -> Sequence[Meter]:
        return mapping.meters(await self._smt_meters(), account)

    async def fetch_statements(
        self, meter: Meter, since: date | None = None
    ) -> Sequence[Statement]:
        return []  # SMT has no bills: the retail electric provider issues them

    async def fetch_intervals(
        self,
        meter: Meter,
        start: datetime,
        end: datetime,
        resolution: Resolution = Resolution.FINEST,
    ) -> Sequence[IntervalReading]:
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be timezone-aware")
        known = {str(m.esiid) for m in await self._smt_meters()}
        if meter.number not in known or start >= end:
            return []
        today = self._context.now().astimezone(mapping.ZONE).date()
        first = start.astimezone(mapping.ZONE).date()
        last = min((end - timedelta(microseconds=1)).astimezone(mapping.ZONE).date(), today)
        reads: list[mapping.Read] = []
        day = first
        while day <= last:
            reads += await self._day(meter.number, day)
            day += timedelta(days=1)
        return mapping.readings(reads, start, end)

    async def close(self) -> None:
        await close_session(self._http)

    async def _smt_meters(self) -> list[Any]:
        if self._meters is None:
            found = await self._call(lambda client: client.account.fetch_meters(client))
            self._meters = list(found)
        return self._meters

    async def _day(self, esiid: str, day: date) -> list[mapping.Read]:
        """The day's reads. Windows that start at UTC midnight share a Central-time day with
        the window before: the last day asked for each ESI ID is kept for the next call."""
        kept = self._last_day.get(esiid)
        if kept is not None and kept[0] == day:
            return kept[1]
        body = _day_request(esiid, day)
        answer = await self._call(lambda client: client.request(INTERVAL_SYNCH, json=body))
        with raised_as_ours(translate):  # a shape the parsers do not know: the site changed
            reads = mapping.reads(mapping.energy_entries(answer))
        self._last_day[esiid] = (day, reads)
        return reads

    async def _call(self, work: Callable[[Any], Awaitable[T]]) -> T:
        """One library call. When SMT rejects the token, sign in once more with a new Client
        (the old one would keep the rejected token) and repeat; a second refusal ends it, and
        so does a refusal after ``SIGN_INS_AGAIN`` such sign-ins in this session."""
        try:
            async with library_errors(self._within):
                return await work(self._client)
        except TokenRejected:
            if self._sign_ins_left <= 0:
                raise
            self._sign_ins_left -= 1
            self._client = self._new_client()
            async with library_errors(self._within):
                await self._client.authenticate()
                return await work(self._client)


def _day_request(esiid: str, day: date) -> dict[str, Any]:
    """The body the library's ``Meter.get_15min`` sends for one day."""
    when = day.strftime("%m/%d/%Y")
    return {
        "startDate": when,
        "endDate": when,
        "reportFormat": "JSON",
        "ESIID": [esiid],
        "versionDate": None,
        "readDate": None,
        "versionNum": None,
        "dataType": None,
    }
