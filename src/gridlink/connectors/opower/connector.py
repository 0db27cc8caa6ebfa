"""The opower connector: Gridlink's contract over the ``opower`` library's ``Opower`` client.

One ``aiohttp.ClientSession`` per login, created here and closed by the session (or by the
MFA dialog, or at once when login fails). ``OpowerLibrary`` is the only way in to the
library's classes, so tests hand in fakes of them (``OpowerConnector.with_library``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

import aiohttp
from opower import Account as OpowerAccount
from opower import (
    AggregateType,
    Bill,
    CostRead,
    Forecast,
    MfaChallenge,
    Opower,
    create_cookie_jar,
)

from gridlink.connectors.base import (
    Connector,
    ConnectorContext,
    ConnectorSession,
    Credentials,
    Pace,
    SessionToken,
)
from gridlink.connectors.base import MfaChallenge as Challenge
from gridlink.connectors.errors import MfaRequired, MfaSessionExpired
from gridlink.connectors.library_support import (
    LIBRARY_CALL_TIMEOUT,
    SessionFactory,
    close_session,
    library_session,
)
from gridlink.connectors.models import (
    Account,
    Commodity,
    IntervalReading,
    Meter,
    Resolution,
    Statement,
)
from gridlink.connectors.opower import mapping, mfa
from gridlink.connectors.opower.errors import library_errors
from gridlink.connectors.opower.utilities import OPOWER_INFO, OpowerUtility, opower_utility

# Opower(session, utility name, username, password, optional_totp_secret, login_data)
ClientFactory = Callable[
    [aiohttp.ClientSession, str, str, str, str | None, dict[str, Any] | None], Opower
]
# Completed bills kept per billing account: more than three years of monthly bills.
BILLS_PER_ACCOUNT = 40


def new_session(pace: Pace) -> aiohttp.ClientSession:
    # The library's cookie jar: some utilities reject quoted cookies.
    return library_session(pace, read_timeout=120, cookie_jar=create_cookie_jar())


@dataclass(frozen=True)
class OpowerLibrary:
    session: SessionFactory = new_session
    client: ClientFactory = Opower
    call_timeout: timedelta = LIBRARY_CALL_TIMEOUT


class OpowerConnector(Connector):
    info = OPOWER_INFO
    library: ClassVar[OpowerLibrary] = OpowerLibrary()

    @classmethod
    def with_library(cls, library: OpowerLibrary) -> type[OpowerConnector]:
        """A variant that reaches other library classes (fakes, in tests)."""
        return type(cls.__name__, (cls,), {"library": library})

    def __init__(self, utility_id: str, context: ConnectorContext | None = None) -> None:
        super().__init__(utility_id, context)
        self._utility = opower_utility(utility_id)

    async def login(
        self, credentials: Credentials, *, session_token: SessionToken | None = None
    ) -> ConnectorSession:
        http = self.library.session(self.context.pace)
        within = self.library.call_timeout
        try:
            client = self.library.client(
                http,
                self._utility.library_name,
                credentials.username,
                credentials.password,
                credentials.totp_secret if self._utility.accepts_totp_secret else None,
                mfa.read(session_token),
            )
            async with library_errors(within, totp_utility=self._utility.accepts_totp_secret):
                await client.async_login()
        except MfaChallenge as needed:
            challenge = await mfa.challenge_for(needed.handler, http, within)  # owns http now
            kind = MfaRequired if session_token is None else MfaSessionExpired
            raise kind(challenge) from None
        except BaseException:
            await close_session(http)
            raise
        # The library keeps login_data as it was given: the stored token stays valid.
        return OpowerSession(client, http, self._utility, within)

    async def select_mfa_option(self, challenge: Challenge, option_id: str) -> None:
        await mfa.select(challenge, option_id)

    async def submit_mfa_code(self, challenge: Challenge, code: str) -> SessionToken:
        return await mfa.submit(challenge, code)


class OpowerSession(ConnectorSession):
    def __init__(
        self,
        client: Opower,
        http: aiohttp.ClientSession,
        utility: OpowerUtility,
        call_timeout: timedelta,
    ):
        self._client = client
        self._within = call_timeout
        self._http = http
        self._utility = utility
        self._zone = ZoneInfo(utility.time_zone)
        self._agreements: list[OpowerAccount] | None = None
        self._forecasts: list[Forecast] | None = None
        self._bills: list[Bill] | None = None
        self._bill_only_agreements: set[str] = set()

    def __repr__(self) -> str:
        return f"OpowerSession(utility={self._utility.info.id!r}, closed={self._http.closed})"

    async def fetch_accounts(self) -> Sequence[Account]:
        return mapping.accounts(await self._all_agreements())

    async def fetch_meters(self, account: Account) -> Sequence[Meter]:
        agreements = await self._all_agreements()
        return mapping.meters(agreements, account, self._utility.time_zone)

    async def fetch_statements(
        self, meter: Meter, since: date | None = None
    ) -> Sequence[Statement]:
        agreement = await self._agreement(meter)
        if agreement is None:
            return []
        statements = mapping.statements_from_bills(
            await self._all_bills(), agreement.uuid, self._zone, None
        )
        if not statements:  # no completed bills here: bill-aggregated cost reads instead
            async with library_errors(self._within):
                reads = await self._client.async_get_cost_reads(agreement, AggregateType.BILL)
            unit = await self._unit(agreement)
            statements = mapping.statements_from_cost_reads(reads, unit, self._zone, None)
        return mapping.covering_since(statements, since)

    async def fetch_intervals(
        self,
        meter: Meter,
        start: datetime,
        end: datetime,
        resolution: Resolution = Resolution.FINEST,
    ) -> Sequence[IntervalReading]:
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be timezone-aware")
        agreement = await self._agreement(meter)
        aggregate = mapping.aggregate_for(agreement, resolution) if agreement else None
        if agreement is None or aggregate is None or start >= end or self._bill_only(agreement):
            return []
        reads: list[CostRead] = []
        # The local days holding [start, end), in the utility's zone (the library reads
        # whole days of the datetime's own zone), one library request's worth at a time.
        for first, last in mapping.local_day_spans(start, end, self._zone, aggregate):
            async with library_errors(self._within):
                reads += await self._client.async_get_cost_reads(agreement, aggregate, first, last)
        if mapping.has_bill_periods(reads):
            self._bill_only_agreements.add(agreement.uuid)
            return []
        electric = mapping.COMMODITY[agreement.meter_type] == Commodity.ELECTRIC
        unit = await self._unit(agreement)
        return mapping.readings(reads, unit, start, end, registers=electric)

    def _bill_only(self, agreement: OpowerAccount) -> bool:
        """Meters whose utility serves only bills: the library's bill-history fallback
        (City of Austin) answers interval requests with month-long reads of 0 kWh."""
        return (
            self._client.utility.uses_bill_trends_for_reads()
            or agreement.uuid in self._bill_only_agreements
        )

    async def close(self) -> None:
        await close_session(self._http)

    async def _all_agreements(self) -> list[OpowerAccount]:
        if self._agreements is None:
            async with library_errors(self._within):
                self._agreements = await self._client.async_get_accounts()
        return self._agreements

    async def _agreement(self, meter: Meter) -> OpowerAccount | None:
        return next((a for a in await self._all_agreements() if a.uuid == meter.number), None)

    async def _all_bills(self) -> list[Bill]:
        if self._bills is None:
            async with library_errors(self._within):
                self._bills = await self._client.async_get_bills(BILLS_PER_ACCOUNT)
        return self._bills

    async def _unit(self, agreement: OpowerAccount) -> str:
        if mapping.COMMODITY[agreement.meter_type] == Commodity.ELECTRIC:
            return "kWh"
        if self._forecasts is None:
            async with library_errors(self._within):
                self._forecasts = await self._client.async_get_forecast()
        stated = mapping.stated_unit(agreement, self._forecasts)
        if stated is not None:
            return stated
        # No forecast: the unit its bills state (gas is not always CCF), else the default.
        return mapping.unit_of(agreement, (), await self._all_bills())
