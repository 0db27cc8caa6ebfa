"""Fakes of the opower library's own classes: an ``Opower`` subclass answering from an
in-memory site with the library's dataclasses, and an ``MfaHandlerBase`` subclass.

Shapes follow opower 0.22.4: agreements are ``opower.Account``; read times are aware and
local to the utility (as ``_parse_read_time`` returns them); bill times are UTC; bills come
newest first.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from opower import (
    Account,
    AggregateType,
    Bill,
    BillSegment,
    BillServiceQuantity,
    CostRead,
    Forecast,
    InvalidAuth,
    MeterType,
    MfaChallenge,
    MfaHandlerBase,
    Opower,
    ReadResolution,
    UnitOfMeasure,
)
from opower.opower import Customer

from gridlink.connectors.opower import OpowerConnector, OpowerLibrary
from tests.connectors.library_fakes import Sessions

PASSWORD = "opower-password-1"
CODE = "482913"
COOKIE = "pge-validation-cookie-7f3a"  # what PG&E's login_data carries: a secret


def agreement(
    uuid: str,
    number: str,
    meter_type: MeterType = MeterType.ELEC,
    resolution: ReadResolution | None = ReadResolution.HOUR,
) -> Account:
    return Account(Customer("cust-1"), uuid, number, number, meter_type, resolution)


@dataclass
class Site:
    """One utility's portal as the fakes see it."""

    zone: ZoneInfo
    now: datetime
    agreements: list[Account]
    mfa: bool = False
    down: Exception | None = None
    login_error: Exception | None = None
    solar: frozenset[str] = frozenset()  # agreement uuids with import/export registers
    completed_bills: bool = True
    forecast_unit: UnitOfMeasure | None = UnitOfMeasure.THERM
    options: dict[str, str] = field(
        default_factory=lambda: {"Email": "j*****@example.com", "Phone": "(555) 010-4821"}
    )
    expiry: str | None = None
    selected: list[str] = field(default_factory=list)
    logins: list[dict[str, Any]] = field(default_factory=list)
    handlers: list[FakeMfaHandler] = field(default_factory=list)

    def login_data(self) -> dict[str, Any]:
        expiry = self.expiry or (self.now + timedelta(days=30)).isoformat()
        return {"browsercookie": "enc-user", "validationCookie": COOKIE, "expiryDateTime": expiry}

    def bill_periods(self) -> list[tuple[datetime, datetime]]:
        """Monthly periods from the 5th, local midnights, the last one ended before now."""
        today = self.now.astimezone(self.zone).date()
        ends = []
        month = date(today.year, today.month, 5)
        if month >= today:
            month = _shift(month, -1)
        for _ in range(14):
            ends.append(month)
            month = _shift(month, -1)
        periods = []
        for end in sorted(ends):
            start = _shift(end, -1)
            periods.append((_midnight(start, self.zone), _midnight(end, self.zone)))
        return periods


def _shift(day: date, months: int) -> date:
    index = day.year * 12 + day.month - 1 + months
    return date(index // 12, index % 12 + 1, day.day)


def _midnight(day: date, zone: ZoneInfo) -> datetime:
    return datetime.combine(day, datetime.min.time(), zone).astimezone(UTC)


class FakeMfaHandler(MfaHandlerBase):
    def __init__(self, session: aiohttp.ClientSession, site: Site) -> None:
        self.session = session
        self.site = site

    async def async_get_mfa_options(self) -> dict[str, str]:
        return dict(self.site.options)

    async def async_select_mfa_option(self, option_id: str) -> None:
        self.site.selected.append(option_id)

    async def async_submit_mfa_code(self, code: str) -> dict[str, Any]:
        if code != CODE:
            raise InvalidAuth("Invalid MFA code: failure")
        return self.site.login_data()


class FakeOpower(Opower):
    """The library's client with its network calls answered by ``site``."""

    def __init__(
        self,
        site: Site,
        session: aiohttp.ClientSession,
        utility: str,
        username: str,
        password: str,
        optional_totp_secret: str | None = None,
        login_data: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(session, utility, username, password, optional_totp_secret, login_data)
        self.site = site

    async def async_login(self) -> None:
        self.site.logins.append(dict(self._login_data))
        if self.site.down is not None:
            raise self.site.down
        if self._password != PASSWORD:
            raise InvalidAuth("Login failed: bad password")
        if self.site.login_error is not None:
            raise self.site.login_error
        if self.site.mfa and self._login_data.get("validationCookie") != COOKIE:
            handler = FakeMfaHandler(self._session, self.site)
            self.site.handlers.append(handler)
            raise MfaChallenge("PG&E MFA required", handler)

    async def async_get_accounts(self) -> list[Account]:
        return list(self.site.agreements)

    async def async_get_forecast(self) -> list[Forecast]:
        if self.site.forecast_unit is None:
            return []
        today = self.site.now.astimezone(self.site.zone).date()
        return [
            Forecast(
                a, today.replace(day=1), today, today, self.site.forecast_unit, 1, 1, 1, 1, 1, 1
            )
            for a in self.site.agreements
        ]

    async def async_get_bills(self, count_per_billing_account: int = 25) -> list[Bill]:
        if not self.site.completed_bills:
            return []
        bills = []
        for i, (start, end) in enumerate(self.site.bill_periods()):
            segments = [
                BillSegment(
                    a,
                    round(80.0 + i * 3.17, 2),
                    [BillServiceQuantity(_unit(a), "NET_USAGE", 400.5 + i)],
                )
                for a in self.site.agreements
            ]
            bill_date = end.astimezone(self.site.zone).date() + timedelta(days=2)
            bills.append(Bill(bill_date, start, end, None, segments))
        return sorted(bills, key=lambda b: b.bill_date, reverse=True)[:count_per_billing_account]

    async def async_get_cost_reads(
        self,
        account: Account,
        aggregate_type: AggregateType,
        start_date: datetime | None = None,
        end_date: datetime | None = None,
        usage_only: bool = False,
    ) -> list[CostRead]:
        if aggregate_type == AggregateType.BILL:
            return [
                CostRead(
                    start.astimezone(self.site.zone), end.astimezone(self.site.zone), 512.25, 97.1
                )
                for start, end in self.site.bill_periods()
            ]
        assert start_date is not None
        assert end_date is not None
        step = {AggregateType.HOUR: timedelta(hours=1), AggregateType.DAY: timedelta(days=1)}
        # Like the library: whole local days from start's day to end's day, inclusive.
        first = _midnight(start_date.astimezone(self.site.zone).date(), self.site.zone)
        last = _midnight(
            end_date.astimezone(self.site.zone).date() + timedelta(days=1), self.site.zone
        )
        reads = []
        moment = first
        while moment < last:
            local = moment.astimezone(self.site.zone)
            following = (
                moment + step[aggregate_type]
                if aggregate_type != AggregateType.DAY
                else _midnight(local.date() + timedelta(days=1), self.site.zone)
            )
            hour = local.hour
            if account.uuid in self.site.solar:
                exported = 2.5 if 10 <= hour < 16 else 0.0
                imported = 0.4 + (hour % 4) * 0.1
                read = CostRead(
                    local, following.astimezone(self.site.zone), round(imported - exported, 3), 0.1
                )
                read.imported, read.exported = round(imported, 3), exported
            else:
                read = CostRead(local, following.astimezone(self.site.zone), 0.5 + hour * 0.01, 0.2)
            reads.append(read)
            moment = following
        return reads


def _unit(account: Account) -> UnitOfMeasure:
    return UnitOfMeasure.KWH if account.meter_type == MeterType.ELEC else UnitOfMeasure.THERM


def connector_for(site: Site, sessions: Sessions) -> type[OpowerConnector]:
    def client(*args: Any) -> Opower:
        return FakeOpower(site, *args)

    return OpowerConnector.with_library(OpowerLibrary(session=sessions, client=client))
