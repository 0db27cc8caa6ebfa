"""The sandbox connector: a fictional utility family whose username picks a scenario.

Stateless between calls: what it must remember from one login to the next (that MFA was
passed, when the first login happened) travels in the session token the engine stores and
hands back. Data is a pure function of utility, username and the injected clock.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import ClassVar
from zoneinfo import ZoneInfo

from gridlink.connectors.base import (
    Connector,
    ConnectorContext,
    ConnectorSession,
    Credentials,
    MfaChallenge,
    MfaOption,
    SessionToken,
)
from gridlink.connectors.errors import (
    AccountLocked,
    InvalidCredentials,
    MfaChallengeClosed,
    MfaCodeInvalid,
    MfaOptionInvalid,
    MfaRequired,
    MfaSessionExpired,
    TemporarilyUnavailable,
    UnsupportedMfa,
    UtilityTimeout,
)
from gridlink.connectors.metadata import MfaMethod
from gridlink.connectors.models import Account, IntervalReading, Meter, Resolution, Statement
from gridlink.connectors.sandbox import customers, intervals, statements, tokens
from gridlink.connectors.sandbox.scenarios import (
    ESTIMATED_FOR,
    GOOD_PASSWORD,
    LATE_DATA_LAG,
    MFA_ATTEMPTS,
    MFA_CODE,
    MFA_METHODS,
    NEW_PASSWORD,
    TOTP_SECRET,
    Scenario,
    scenario_of,
)
from gridlink.connectors.sandbox.settings import SandboxSettings
from gridlink.connectors.sandbox.utilities import SANDBOX_INFO, SandboxUtility, sandbox_utility
from gridlink.kit.totp import NotATotpSecret, normalize_totp_secret

MISSING_KEY = (
    "The utility verifies this account with an authenticator app: enter the app's setup key."
)
WRONG_KEY = (
    "The utility refused the code made from this authenticator key. Check the setup key and "
    "try again."
)


@dataclass(frozen=True, slots=True)
class _ChallengeState:
    username: str
    scenario: Scenario


class SandboxConnector(Connector):
    info = SANDBOX_INFO
    settings: ClassVar[SandboxSettings] = SandboxSettings()

    @classmethod
    def with_settings(cls, settings: SandboxSettings) -> type[SandboxConnector]:
        """A variant with other waits and lifetimes, to register or hand to the kit."""
        return type(cls.__name__, (cls,), {"settings": settings})

    def __init__(self, utility_id: str, context: ConnectorContext | None = None) -> None:
        super().__init__(utility_id, context)
        self._utility = sandbox_utility(utility_id)

    async def login(
        self, credentials: Credentials, *, session_token: SessionToken | None = None
    ) -> ConnectorSession:
        scenario = scenario_of(credentials.username)
        if scenario is None:
            raise InvalidCredentials
        await self._before_password_check(scenario)
        if scenario == Scenario.PASSWORD_CHANGED:
            session = self._login_password_changed(credentials, session_token)
            self._check_authenticator(credentials)
            return session
        if credentials.password != GOOD_PASSWORD:
            raise InvalidCredentials
        self._check_authenticator(credentials)
        if scenario == Scenario.LOCKED:
            raise AccountLocked
        if scenario == Scenario.UNSUPPORTED_MFA:
            raise UnsupportedMfa
        if scenario in MFA_METHODS and not self.utility.takes_totp_secret:
            return self._login_mfa(credentials.username, scenario, session_token)
        return self._session(credentials.username, scenario, None)

    async def select_mfa_option(self, challenge: MfaChallenge, option_id: str) -> None:
        self._open_state(challenge)
        if challenge.option(option_id) is None:
            raise MfaOptionInvalid
        challenge.selected_option_id = option_id

    async def submit_mfa_code(self, challenge: MfaChallenge, code: str) -> SessionToken:
        state = self._open_state(challenge)
        if challenge.selected_option_id is None:
            raise MfaOptionInvalid
        if code.strip() != MFA_CODE:
            left = (challenge.attempts_left or 1) - 1
            challenge.attempts_left = left
            if left <= 0:
                challenge.closed = True
                raise MfaChallengeClosed
            raise MfaCodeInvalid(left)
        challenge.closed = True  # a code is good for one token
        lifetime = self.settings.mfa_session_lifetime
        if state.scenario == Scenario.MFA_EXPIRING:
            lifetime = self.settings.mfa_expiring_lifetime
        now = self.context.now()
        return tokens.mint(
            tokens.TokenClaims(self._user(state.username), state.scenario, now, now + lifetime)
        )

    def _check_authenticator(self, credentials: Credentials) -> None:
        """An authenticator utility answers its own verification with a code made from the
        key: right only for the documented key (MFA scenarios then need no code)."""
        if not self.utility.takes_totp_secret:
            return
        if credentials.totp_secret is None:
            raise InvalidCredentials(MISSING_KEY)
        try:
            key = normalize_totp_secret(credentials.totp_secret)
        except NotATotpSecret:
            raise InvalidCredentials(WRONG_KEY) from None
        if key != TOTP_SECRET:
            raise InvalidCredentials(WRONG_KEY)

    async def _before_password_check(self, scenario: Scenario) -> None:
        """Slow, silent and broken sites fail (or dawdle) before a password is ever checked."""
        if scenario == Scenario.TIMEOUT:
            await self.context.sleep(self.settings.timeout_after.total_seconds())
            raise UtilityTimeout
        if scenario == Scenario.DOWN:
            raise TemporarilyUnavailable(retry_after=self.settings.down_retry_after)
        if scenario == Scenario.SLOW:
            await self.context.sleep(self.settings.slow_delay.total_seconds())

    def _login_mfa(
        self, username: str, scenario: Scenario, token: SessionToken | None
    ) -> ConnectorSession:
        claims = self._claims(username, scenario, token)
        if claims is None:
            raise MfaRequired(self._challenge(username, scenario))
        if claims.expires_at is not None and self.context.now() >= claims.expires_at:
            raise MfaSessionExpired(self._challenge(username, scenario))
        return self._session(username, scenario, token)

    def _login_password_changed(
        self, credentials: Credentials, token: SessionToken | None
    ) -> ConnectorSession:
        """Accepts pass_good until ``password_changed_after`` past the first login, then pass_new.

        The first login time is in the token this login returns; without one, a login
        counts as the first.
        """
        username = credentials.username
        claims = self._claims(username, Scenario.PASSWORD_CHANGED, token)
        now = self.context.now()
        changed = (
            claims is not None and now >= claims.issued_at + self.settings.password_changed_after
        )
        if credentials.password != (NEW_PASSWORD if changed else GOOD_PASSWORD):
            raise InvalidCredentials
        if claims is None:
            token = tokens.mint(
                tokens.TokenClaims(self._user(username), Scenario.PASSWORD_CHANGED, now, None)
            )
        return self._session(username, Scenario.PASSWORD_CHANGED, token)

    def _claims(
        self, username: str, scenario: Scenario, token: SessionToken | None
    ) -> tokens.TokenClaims | None:
        claims = tokens.read(token)
        if claims is None or claims.user != self._user(username) or claims.scenario != scenario:
            return None
        return claims

    def _challenge(self, username: str, scenario: Scenario) -> MfaChallenge:
        seed = customers.seed_of("mfa", username)
        options = tuple(
            MfaOption(f"{method.value}-1", method, _masked(method, username, seed))
            for method in MFA_METHODS[scenario]
        )
        return MfaChallenge(
            options, attempts_left=MFA_ATTEMPTS, handle=_ChallengeState(username, scenario)
        )

    def _open_state(self, challenge: MfaChallenge) -> _ChallengeState:
        state = challenge.handle
        if not isinstance(state, _ChallengeState) or challenge.closed:
            raise MfaChallengeClosed
        return state

    def _user(self, username: str) -> str:
        return tokens.user_key(self.utility.id, username)

    def _session(
        self, username: str, scenario: Scenario, token: SessionToken | None
    ) -> SandboxSession:
        return SandboxSession(self._utility, username, scenario, self.context, self.settings, token)


def _masked(method: MfaMethod, username: str, seed: int) -> str:
    if method == MfaMethod.EMAIL:
        return f"{username[:1]}***@example.com"
    return f"***-***-{seed % 10_000:04d}"


class SandboxSession(ConnectorSession):
    def __init__(
        self,
        utility: SandboxUtility,
        username: str,
        scenario: Scenario,
        context: ConnectorContext,
        settings: SandboxSettings,
        session_token: SessionToken | None,
    ) -> None:
        self.session_token = session_token
        self._utility = utility
        self._context = context
        self._settings = settings
        self._accounts = customers.customer(utility, username, scenario)
        self._scenario = scenario

    def __repr__(self) -> str:
        return f"SandboxSession(utility={self._utility.info.id!r}, accounts={len(self._accounts)})"

    async def fetch_accounts(self) -> Sequence[Account]:
        return [entry.account for entry in self._accounts]

    async def fetch_meters(self, account: Account) -> Sequence[Meter]:
        for entry in self._accounts:
            if entry.account.number == account.number:
                return [meter.meter for meter in entry.meters]
        return []

    async def fetch_statements(
        self, meter: Meter, since: date | None = None
    ) -> Sequence[Statement]:
        found = self._meter(meter)
        if found is None:
            return []
        account = next(a.account for a in self._accounts if found in a.meters)
        header = (self._utility.info.name, f"Account {account.number}, {account.service_address}")
        today = self._context.now().astimezone(ZoneInfo(meter.time_zone)).date()
        return [
            statements.statement(found, period, header=header)
            for period in statements.periods(found, today, self._settings.history_months)
            if since is None or period[1] > since
        ]

    async def fetch_intervals(
        self,
        meter: Meter,
        start: datetime,
        end: datetime,
        resolution: Resolution = Resolution.FINEST,
    ) -> Sequence[IntervalReading]:
        if start.tzinfo is None or end.tzinfo is None:
            raise ValueError("start and end must be timezone-aware")
        meter_found = self._meter(meter)
        if meter_found is None:
            return []
        first, last = self._available(meter)
        estimated_from = None
        if self._scenario == Scenario.LATE_DATA:
            estimated_from = last - ESTIMATED_FOR
        zone = ZoneInfo(meter.time_zone)
        if resolution == Resolution.DAY:  # whole local days only
            start = _midnight(start, zone, later=True)
            end = _midnight(min(end, last), zone, later=False)
        start, end = max(start, first), min(end, last)
        if start >= end:
            return []
        found = intervals.readings(meter_found, start, end, estimated_from)
        return intervals.daily(found, zone) if resolution == Resolution.DAY else found

    def _available(self, meter: Meter) -> tuple[datetime, datetime]:
        """History starts ``history_months`` back; data runs to the end of yesterday (local),
        or, for user_late_data, to the hour three days ago."""
        zone = ZoneInfo(meter.time_zone)
        today = self._context.now().astimezone(zone).date()
        months = self._settings.history_months
        index = today.year * 12 + today.month - 1 - months
        first_day = date(index // 12, index % 12 + 1, min(today.day, 28))
        midnight = datetime.min.time()
        first = datetime.combine(first_day, midnight, zone).astimezone(UTC)
        last = datetime.combine(today, midnight, zone).astimezone(UTC)
        if self._scenario == Scenario.LATE_DATA:
            late = self._context.now() - LATE_DATA_LAG
            last = late.replace(minute=0, second=0, microsecond=0).astimezone(UTC)
        return first, last

    def _meter(self, meter: Meter) -> customers.SandboxMeter | None:
        for entry in self._accounts:
            for candidate in entry.meters:
                if candidate.meter.number == meter.number:
                    return candidate
        return None


__all__ = ["SandboxConnector", "SandboxSession", "SandboxSettings"]


def _midnight(moment: datetime, zone: ZoneInfo, *, later: bool) -> datetime:
    """The local midnight at or before ``moment`` (or at or after it, when ``later``)."""
    midnight = datetime.combine(moment.astimezone(zone).date(), datetime.min.time(), zone)
    if later and midnight < moment:
        midnight = datetime.combine(midnight.date() + timedelta(days=1), midnight.time(), zone)
    return midnight.astimezone(UTC)
