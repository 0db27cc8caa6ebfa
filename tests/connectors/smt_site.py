"""Smart Meter Texas at its HTTP boundary, for the library's own code to talk to.

Routes on ``www.smartmetertexas.com`` (served by :class:`tests.connectors.https_site.HttpsSite`)
in the shape the ``smart_meter_texas`` library reads:

- ``POST /commonapi/user/authenticate`` ``{"username", "password", "rememberMe"}`` →
  ``{"token": ...}``; a wrong password → 400 ``{"errormessage": "ERR-USR-INVALIDPASSWORDERROR"}``;
  locked out → 403.
- ``POST /api/meter`` ``{"esiid": "*"}`` with ``Authorization: Bearer <token>`` →
  ``{"data": [{"address", "meterNumber", "esiid"}, ...]}``.
- ``POST /api/adhoc/intervalsynch`` ``{"startDate": "MM/DD/YYYY", "endDate", "ESIID": [id],
  ...}`` → ``{"data": {"energyData": [{"DT": "MM/DD/YYYY", "RT": "C"|"G", "RD": "..."}]}}``:
  one entry per day and read type, ``RD`` 100 comma-separated slots of ``<kWh>-A`` (actual) or
  ``<kWh>-E`` (estimated); slots 8-11 hold the repeated 1 AM hour of the autumn DST day and are
  blank on other days, the spring DST day leaves 2 AM (slots 12-15) blank. A day without reads
  → ``{"data": {"errorMessage": "No Energy Data received from the respective TDSP"}}``.
- A token the site does not know → 401 ``{"message": "Invalid Token"}``; more API requests in
  a minute than ``per_minute_limit`` → 403.

The reads come from a deterministic truth (:func:`truth`) of 15-minute values by UTC instant,
laid out per America/Chicago day as SMT does, so a test can compare what the connector stored
with what the meter measured. Times of requests are kept on the test's clock.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from aiohttp import web
from smart_meter_texas.const import API_DATE_ERROR, BASE_HOSTNAME

from gridlink.connectors.base import ConnectorContext
from gridlink.connectors.models import Direction
from gridlink.connectors.smart_meter_texas import (
    SmartMeterTexasConnector,
    SmartMeterTexasLibrary,
)
from gridlink.kit.clock import ManualClock
from tests.connectors.https_site import HttpsSite, client_ssl_context
from tests.connectors.library_fakes import Sessions

CHICAGO = ZoneInfo("America/Chicago")
QUARTER = timedelta(minutes=15)
LOGIN = "/commonapi/user/authenticate"
METERS = "/api/meter"
INTERVALS = "/api/adhoc/intervalsynch"

USERNAME = "tex"
PASSWORD = "smt-password-9"
HOME = "10443720001234567"  # an Oncor-style ESI ID
SOLAR = "1008901023809876543"  # a CenterPoint-style one, with rooftop solar


@dataclass(frozen=True)
class TruthRead:
    begins: datetime
    direction: Direction
    value: Decimal
    quality: str  # "actual" or "estimated"


def _mix(esiid: str, begins: datetime, salt: str) -> int:
    return zlib.crc32(f"{esiid}|{begins.timestamp():.0f}|{salt}".encode())


def truth(esiid: str, begins: datetime) -> list[TruthRead]:
    """What the meter measured in the quarter hour starting at ``begins`` (UTC)."""
    quality = "estimated" if _mix(esiid, begins, "q") % 23 == 0 else "actual"
    reads = [
        TruthRead(
            begins,
            Direction.DELIVERED,
            Decimal(_mix(esiid, begins, "c") % 2000).scaleb(-3),
            quality,
        )
    ]
    if esiid == SOLAR:
        sunny = 9 <= begins.astimezone(CHICAGO).hour < 17
        value = Decimal(_mix(esiid, begins, "g") % 900).scaleb(-3) if sunny else Decimal("0.000")
        reads.append(TruthRead(begins, Direction.RECEIVED, value, quality))
    return reads


def truth_between(esiid: str, start: datetime, end: datetime) -> list[TruthRead]:
    found, at = [], start
    while at < end:
        found += truth(esiid, at)
        at += QUARTER
    return found


def local_midnight(day: date) -> datetime:
    return datetime.combine(day, time(), CHICAGO).astimezone(UTC)


def slot_of(begins: datetime) -> int:
    """SMT's slot for a quarter hour: 0-7 midnight to 1:45 (the first 1 AM hour), 8-11 the
    repeated 1 AM hour, 12-99 2:00 to 23:45."""
    local = begins.astimezone(CHICAGO)
    index = local.hour * 4 + local.minute // 15
    if local.hour == 1 and local.fold:
        return index + 4
    return index if local.hour < 2 else index + 4


def day_entries(esiid: str, day: date) -> list[dict[str, str]]:
    slots: dict[Direction, list[str]] = {}
    for read in truth_between(esiid, local_midnight(day), local_midnight(day + timedelta(days=1))):
        flag = "E" if read.quality == "estimated" else "A"
        slots.setdefault(read.direction, [""] * 100)[slot_of(read.begins)] = (
            f"{read.value:.3f}-{flag}"
        )
    when = day.strftime("%m/%d/%Y")
    kinds = {Direction.DELIVERED: "C", Direction.RECEIVED: "G"}
    return [{"DT": when, "RT": kinds[d], "RD": ",".join(s)} for d, s in slots.items()]


@dataclass
class SmtSite:
    """The state behind the routes; ``install`` puts them on an ``HttpsSite``."""

    clock: ManualClock
    first_day: date  # the oldest day SMT keeps
    last_day: date  # the newest day with reads
    meters: list[dict[str, str]] = field(
        default_factory=lambda: [
            {"address": "101 MAIN ST, DALLAS TX 75201", "meterNumber": "113999001", "esiid": HOME},
            {"address": "7 SUNNY LN, HOUSTON TX 77002", "meterNumber": "128000777", "esiid": SOLAR},
        ]
    )
    password: str = PASSWORD
    per_minute_limit: int | None = None  # API requests per minute (under 100) before a 403
    throttle_status: int = 403  # what SMT answers over the limit
    retry_after: str | None = None  # the Retry-After header of that answer, if any
    locked_out: bool = False  # every sign-in answers 403
    reject_tokens: bool = False  # SMT's API refuses even fresh tokens
    uses_per_token: int | None = None  # API requests a token is good for
    tokens: dict[str, int] = field(default_factory=dict)  # token → API requests made with it
    logins: list[datetime] = field(default_factory=list)
    api_times: list[datetime] = field(default_factory=list)
    days_asked: list[tuple[str, date]] = field(default_factory=list)

    def install(self, site: HttpsSite) -> HttpsSite:
        site.route("POST", BASE_HOSTNAME, LOGIN, self._login)
        site.route("POST", BASE_HOSTNAME, METERS, self._meters)
        site.route("POST", BASE_HOSTNAME, INTERVALS, self._intervals)
        return site

    def expire_tokens(self) -> None:
        """Every token issued so far stops working (SMT's own expiry)."""
        self.tokens.clear()

    async def _login(self, request: web.Request) -> Any:
        self.logins.append(self.clock.now())
        if self.locked_out:
            return web.Response(status=403, text="<html><body>Access denied</body></html>")
        body = await request.json()
        if (body.get("username"), body.get("password")) != (USERNAME, self.password):
            return web.json_response({"errormessage": "ERR-USR-INVALIDPASSWORDERROR"}, status=400)
        token = f"smt-token-{len(self.logins)}"
        self.tokens[token] = 0
        return {"token": token}

    def _refusal(self, request: web.Request) -> web.Response | None:
        now = self.clock.now()
        self.api_times.append(now)
        bearer = request.headers.get("Authorization", "").removeprefix("Bearer ")
        used = self.tokens.get(bearer)
        if self.reject_tokens or used is None or used == self.uses_per_token:
            return web.json_response({"message": "Invalid Token"}, status=401)
        self.tokens[bearer] = used + 1
        recent = sum(1 for t in self.api_times[-100:] if now - t < timedelta(minutes=1))
        if self.per_minute_limit is not None and recent > self.per_minute_limit:
            headers = {"Retry-After": self.retry_after} if self.retry_after else None
            return web.Response(status=self.throttle_status, text="Too many", headers=headers)
        return None

    async def _meters(self, request: web.Request) -> Any:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        return {"data": list(self.meters)}

    async def _intervals(self, request: web.Request) -> Any:
        refusal = self._refusal(request)
        if refusal is not None:
            return refusal
        body = await request.json()
        (esiid,) = body["ESIID"]
        first = datetime.strptime(body["startDate"], "%m/%d/%Y").date()
        last = datetime.strptime(body["endDate"], "%m/%d/%Y").date()
        entries: list[dict[str, str]] = []
        day = first
        while day <= last:
            self.days_asked.append((esiid, day))
            if self.first_day <= day <= self.last_day:
                entries += day_entries(esiid, day)
            day += timedelta(days=1)
        if not entries:
            return {"data": {"errorCode": "1", "errorMessage": API_DATE_ERROR}}
        return {"data": {"energyData": entries}}


class ClockSleep:
    """A sleep that moves the test clock instead of waiting; remembers each wait."""

    def __init__(self, clock: ManualClock) -> None:
        self.clock = clock
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)
        self.clock.advance(timedelta(seconds=seconds))


def smt_context(clock: ManualClock) -> ConnectorContext:
    return ConnectorContext(clock=clock, sleep=ClockSleep(clock))


def connector_for(
    site: HttpsSite, *, call_timeout: timedelta = timedelta(seconds=30)
) -> tuple[type[SmartMeterTexasConnector], Sessions]:
    """The connector reaching ``site``: its sessions resolve every name to it, and the TLS
    context the library pins on each request trusts only the test CA."""
    sessions = site.session_factory()
    library = SmartMeterTexasLibrary(
        session=sessions, ssl_context=client_ssl_context, call_timeout=call_timeout
    )
    return SmartMeterTexasConnector.with_library(library), sessions
