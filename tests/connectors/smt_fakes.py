"""A fake of the smart_meter_texas library's ``Client``: its two network methods
(``authenticate``, ``request``) answer like SMT's API, so the library's own ``Account`` and
``Meter`` code (meter list, interval parsing, its DST slots) runs for real."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

import aiohttp
import smart_meter_texas as smt
from smart_meter_texas.const import API_DATE_ERROR, INTERVAL_SYNCH, METER_ENDPOINT
from smart_meter_texas.exceptions import SmartMeterTexasAuthError

from gridlink.connectors.smart_meter_texas import (
    SmartMeterTexasConnector,
    SmartMeterTexasLibrary,
)
from tests.connectors.library_fakes import Sessions

PASSWORD = "smt-password-9"
HOME = "10443720001234567"  # an Oncor-style ESI ID
SOLAR = "1008901023809876543"


@dataclass
class SmtSite:
    last_day: date  # the newest day SMT has reads for
    meters: list[dict[str, str]] = field(
        default_factory=lambda: [
            {"address": "101 MAIN ST", "meterNumber": "113999001", "esiid": HOME},
            {"address": "7 SUNNY LN", "meterNumber": "128000777", "esiid": SOLAR},
        ]
    )
    down: Exception | None = None
    fail_on: str | None = None  # a path whose request raises `down`
    days_asked: list[str] = field(default_factory=list)

    def day(self, esiid: str, day: date) -> list[dict[str, str]]:
        rows = [{"DT": day.strftime("%m/%d/%Y"), "RT": "C", "RD": _slots(day, 0.2)}]
        if esiid == SOLAR:
            rows.append({"DT": day.strftime("%m/%d/%Y"), "RT": "G", "RD": _slots(day, 0.05)})
        return rows


def _slots(day: date, base: float) -> str:
    """SMT's 100 comma-separated slots: 8-11 are the repeated 1 AM hour (blank unless the
    autumn DST day); the spring DST day leaves 2 AM (slots 12-15) blank."""
    autumn = day == _dst_sunday(day.year, 11, 1)
    spring = day == _dst_sunday(day.year, 3, 2)
    reads = []
    for slot in range(100):
        blank = (8 <= slot <= 11 and not autumn) or (spring and 12 <= slot <= 15)
        reads.append("" if blank else f"{base + slot * 0.001:.3f}-A")
    return ",".join(reads)


def _dst_sunday(year: int, month: int, nth: int) -> date:
    first = date(year, month, 1)
    sunday = first + timedelta(days=(6 - first.weekday()) % 7)
    return sunday + timedelta(weeks=nth - 1)


class FakeSmtClient(smt.Client):  # type: ignore[misc]
    def __init__(self, site: SmtSite, websession: aiohttp.ClientSession, account: Any) -> None:
        super().__init__(websession, account, None)
        self.site = site

    async def authenticate(self) -> None:
        if self.site.down is not None and self.site.fail_on is None:
            raise self.site.down
        if self.account.password != PASSWORD:
            raise SmartMeterTexasAuthError("Username or password was not accepted")
        self.token, self.authenticated = "smt-bearer", True

    async def request(self, path: str, method: str = "post", **kwargs: Any) -> Any:
        await self.authenticate()
        if self.site.down is not None and self.site.fail_on == path:
            raise self.site.down
        body = kwargs["json"]
        if path == METER_ENDPOINT:
            return {"data": list(self.site.meters)}
        if path == INTERVAL_SYNCH:
            self.site.days_asked.append(body["startDate"])
            day = datetime.strptime(body["startDate"], "%m/%d/%Y").date()
            if day > self.site.last_day:
                return {"data": {"errorMessage": API_DATE_ERROR}}
            return {"data": {"energyData": self.site.day(body["ESIID"][0], day)}}
        raise AssertionError(f"unexpected SMT request {path}")


def connector_for(site: SmtSite, sessions: Sessions) -> type[SmartMeterTexasConnector]:
    def client(http: aiohttp.ClientSession, account: Any) -> Any:
        return FakeSmtClient(site, http, account)

    return SmartMeterTexasConnector.with_library(
        SmartMeterTexasLibrary(session=sessions, client=client)
    )
