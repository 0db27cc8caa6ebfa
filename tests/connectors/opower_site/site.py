"""One utility's whole fake (opower.com API + its sign-in) on a loopback HTTPS site, and
the opower connector wired to reach it with the real ``opower`` library."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import aiohttp
from opower import Opower, create_cookie_jar

from gridlink.connectors.base import ConnectorContext, ConnectorSession, Credentials
from gridlink.connectors.errors import MfaRequired
from gridlink.connectors.models import IntervalReading
from gridlink.connectors.opower import OpowerConnector, OpowerLibrary
from gridlink.connectors.opower.utilities import opower_utility
from gridlink.kit.clock import ManualClock
from tests.connectors.https_site import HttpsSite
from tests.connectors.library_fakes import Sessions
from tests.connectors.opower_site.aep import AepLogin
from tests.connectors.opower_site.api import TOKEN_MARK, Customer, OpowerApi, Profile
from tests.connectors.opower_site.coa import CoaLogin
from tests.connectors.opower_site.coned import ConEdLogin
from tests.connectors.opower_site.exelon import REFRESH_MARK, ExelonLogin
from tests.connectors.opower_site.pge import COOKIE_MARK, PgeLogin
from tests.connectors.opower_site.truth import Meter

PASSWORD = "opower-password-1"
# A base32 TOTP secret, as an authenticator app's QR code carries it.
TOTP_SECRET = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
FIRST_DAY = date(2025, 6, 1)
# What every secret the sites hand out starts with (cookies, refresh and bearer tokens):
# strings that must show in no repr or error.
SECRET_MARKS = (COOKIE_MARK, REFRESH_MARK, TOKEN_MARK)

PGE, COMED, CONED, COA, AEP_OHIO = "eia_14328", "eia_4110", "eia_4226", "eia_1015", "eia_14006"


@dataclass
class OpowerSite:
    """``async with`` runs it; :meth:`connector` is the opower connector reaching it."""

    utility_id: str
    api: OpowerApi
    login: Any  # PgeLogin, ExelonLogin, ConEdLogin, CoaLogin or AepLogin
    http: HttpsSite = field(default_factory=HttpsSite)
    sessions: Sessions | None = None  # the last connector's session factory
    _factories: list[Sessions] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.api.install(self.http)
        self.login.install(self.http)

    async def __aenter__(self) -> OpowerSite:
        await self.http.__aenter__()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        # Sessions of MFA dialogs a test abandoned (the connector leaves those to garbage
        # collection): closed here, after the test's own checks, so aiohttp does not warn.
        for factory in self._factories:
            for session in factory.made:
                await session.close()
        await self.http.__aexit__(*exc_info)

    @property
    def zone(self) -> ZoneInfo:
        return self.api.zone

    def meter(self, uuid: str) -> Meter:
        return self.api.truth(uuid).meter

    def connector(
        self, *, totp_secret: str | None = None, timeout: float = 20
    ) -> type[OpowerConnector]:
        """The connector class, its aiohttp sessions reaching this site (``timeout``
        seconds per request). ``totp_secret`` is handed to the library (Gridlink's own
        connector does not collect one yet)."""
        self.sessions = self.http.session_factory(
            cookie_jar=create_cookie_jar, timeout=aiohttp.ClientTimeout(total=timeout)
        )
        self._factories.append(self.sessions)

        def client(
            session: aiohttp.ClientSession,
            utility: str,
            username: str,
            password: str,
            _secret: str | None,
            login_data: dict[str, Any] | None,
        ) -> Opower:
            # The key the connector passes (from Credentials), or one a test hands in here.
            return Opower(session, utility, username, password, totp_secret or _secret, login_data)

        library = OpowerLibrary(session=self.sessions, client=client)
        return OpowerConnector.with_library(library)

    async def sign_in(
        self, now: datetime, *, totp_secret: str | None = None, option: str | None = None
    ) -> ConnectorSession:
        """A logged-in connector session, through MFA (``option``, else the first offered,
        with the code the site sent) when the utility asks for it."""
        connector = self.connector(totp_secret=totp_secret)(
            self.utility_id, ConnectorContext(clock=ManualClock(now))
        )
        credentials = Credentials(self.login.username, self.login.password)
        try:
            return await connector.login(credentials)
        except MfaRequired as needed:
            challenge = needed.challenge
            if challenge.options:
                chosen = option or challenge.options[0].id
                await connector.select_mfa_option(challenge, chosen)
            token = await connector.submit_mfa_code(challenge, self.login.codes[-1][1])
            return await connector.login(credentials, session_token=token)

    def expected(self, meter_uuid: str, start: datetime, end: datetime) -> list[IntervalReading]:
        """What the meter measured in ``[start, end)`` and published: the right answer. Its
        costs as this tenant serves them: DataBrowser's cost reads carry cost and components;
        ConEd's fail, so the library reads usage only; AEP's GraphQL carries costs (rated two
        days after the read) but no components."""
        truth = self.api.truth(meter_uuid)
        profile = self.api.profile
        if profile.cost_reads_status != 200:
            return truth.readings(start, end, priced=False)
        if profile.data_browser_status == 403:  # GraphQL reads
            rated_until = truth.published_until - timedelta(days=2)
            return truth.readings(start, end, rated_until=rated_until, components=False)
        return truth.readings(start, end)

    def data_requests(self, marker: str) -> int:
        """Requests whose path contains ``marker`` (e.g. ``"DataBrowser-v1"``)."""
        return sum(1 for r in self.http.requests if marker in r.path)


def _api(
    utility_id: str, profile: Profile, now: datetime, customers: list[Customer], lag: timedelta
) -> OpowerApi:
    zone = ZoneInfo(opower_utility(utility_id).time_zone)
    return OpowerApi(profile, zone, now, customers, lag)


def pge_site(
    now: datetime,
    *,
    mfa: bool = True,
    solar: bool = False,
    gas: bool = True,
    username: str = "pat@example.com",
    password: str = PASSWORD,
    first_day: date = FIRST_DAY,
    lag: timedelta = timedelta(hours=30),
    completed_bills: bool = True,
    code: str | None = None,
) -> OpowerSite:
    """PG&E: hourly electric (solar: with import/export registers) and daily gas in therms,
    one utility account number for both, as PG&E does; MFA by email or text."""
    meters = [
        Meter("pge-elec-7c1e", "0123456789", "ELEC", "HOUR", "KWH", solar, 11, first_day, 12),
    ]
    if gas:
        meters.append(
            Meter("pge-gas-91b0", "0123456789", "GAS", "DAY", "THERM", False, 12, first_day, 12)
        )
    profile = Profile("pge", completed_bills=completed_bills)
    api = _api(PGE, profile, now, [Customer("c5e7d1a2-pge", meters)], lag)
    return OpowerSite(PGE, api, PgeLogin(api, username, password, mfa=mfa, code=code))


def comed_site(
    now: datetime,
    *,
    mfa: str = "phone",
    username: str = "casey@example.com",
    password: str = PASSWORD,
    first_day: date = FIRST_DAY,
    code: str | None = None,
) -> OpowerSite:
    """ComEd (Exelon): quarter-hourly electric, America/Chicago; B2C sign-in with MFA."""
    meters = [
        Meter("cec-elec-2f4a", "9988776655", "ELEC", "QUARTER_HOUR", "KWH", False, 21, first_day, 3)
    ]
    api = _api(COMED, Profile("cec"), now, [Customer("a1b2c3d4-cec", meters)], timedelta(hours=26))
    return OpowerSite(COMED, api, ExelonLogin(api, username, password, mfa=mfa, code=code))


def coned_site(
    now: datetime,
    *,
    totp_secret: str | None = TOTP_SECRET,
    username: str = "sam@example.com",
    password: str = PASSWORD,
    first_day: date = FIRST_DAY,
) -> OpowerSite:
    """ConEd: hourly electric and daily gas in CCF; the cost endpoint answers 500 for
    sub-bill reads (the library falls back to usage reads); TOTP sign-in."""
    meters = [
        Meter("cned-elec-5a6b", "3344556677", "ELEC", "HOUR", "KWH", False, 31, first_day, 20),
        Meter("cned-gas-8c9d", "3344556678", "GAS", "DAY", "CCF", False, 32, first_day, 20),
    ]
    profile = Profile("cned", cost_reads_status=500)
    api = _api(CONED, profile, now, [Customer("e5f6a7b8-cned", meters)], timedelta(hours=30))
    return OpowerSite(CONED, api, ConEdLogin(api, username, password, totp_secret))


def coa_site(
    now: datetime,
    *,
    username: str = "alex@example.com",
    password: str = PASSWORD,
    first_day: date = FIRST_DAY,
) -> OpowerSite:
    """City of Austin: DSS portal; DataBrowser 403 (bill-trends billHistory instead),
    multi-account customers and GraphQL 403; electric and water."""
    meters = [
        Meter("700100200", "1002003004", "ELEC", "DAY", "KWH", False, 41, first_day, 2),
        Meter("700100201", "1002003004", "WATER", "DAY", "CCF", False, 42, first_day, 2),
    ]
    profile = Profile(
        "coa", dss=True, data_browser_status=403, customers_status=403, graphql_status=403
    )
    web_user = "0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0"
    api = _api(COA, profile, now, [Customer(web_user, meters)], timedelta(hours=30))
    return OpowerSite(COA, api, CoaLogin(api, username, password))


def aep_site(
    now: datetime,
    *,
    username: str = "robin",
    password: str = PASSWORD,
    first_day: date = FIRST_DAY,
    not_ready: int = 0,
) -> OpowerSite:
    """AEP Ohio: hourly electric served only by GraphQL read streams (DataBrowser 403)."""
    meters = [Meter("aep-elec-3d2c", "11122233344", "ELEC", "HOUR", "KWH", False, 51, first_day, 8)]
    profile = Profile("aepohio", data_browser_status=403)
    api = _api(AEP_OHIO, profile, now, [Customer("b9c8d7e6-aep", meters)], timedelta(hours=30))
    return OpowerSite(AEP_OHIO, api, AepLogin(api, username, password, not_ready=not_ready))
