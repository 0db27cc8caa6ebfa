"""The connector contract: declared metadata plus a handful of async methods.

The flow follows opower's (so a library-backed connector maps onto it thinly)::

    connector = SomeConnector(utility_id, context)
    try:
        session = await connector.login(credentials, session_token=stored)
    except MfaRequired as needed:                 # MfaSessionExpired included
        challenge = needed.challenge              # options with masked destinations
        await connector.select_mfa_option(challenge, option_id)
        token = await connector.submit_mfa_code(challenge, code)   # store it (sealed)
        session = await connector.login(credentials, session_token=token)
    async with session:
        if session.session_token is not None: ...  # store it, replacing the old one
        accounts = await session.fetch_accounts()

A challenge lives only in memory, in the process that holds the utility session; only
``SessionToken`` values are meant to be persisted. Connectors raise only
:mod:`gridlink.connectors.errors`; they never touch a database.
"""

from __future__ import annotations

import abc
import asyncio
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from types import TracebackType
from typing import ClassVar, Self

import httpx

from gridlink.connectors.errors import UnsupportedMfa
from gridlink.connectors.metadata import ConnectorInfo, MfaMethod, UtilityInfo
from gridlink.connectors.models import Account, IntervalReading, Meter, Resolution, Statement
from gridlink.kit.clock import Clock, SystemClock

HttpClientFactory = Callable[[], httpx.AsyncClient]
Sleep = Callable[[float], Awaitable[None]]
# Awaited before every request to the utility; returns when the utility's budget allows one.
Pace = Callable[[], Awaitable[None]]


async def no_wait() -> None:
    """The pace of a context nobody paced (tests, tools): every request goes at once."""


def default_http_client() -> httpx.AsyncClient:
    return httpx.AsyncClient(
        timeout=httpx.Timeout(30.0),
        follow_redirects=True,
        headers={"User-Agent": "gridlink-connector"},
    )


@dataclass(frozen=True)
class ConnectorContext:
    """What a connector may use from the outside world; tests replace the far side here.

    ``http_client`` returns a new ``httpx.AsyncClient`` (give it an ``httpx.MockTransport``
    in tests); ``clock`` is the only source of "now"; ``sleep`` is the only way to wait.
    ``pace`` is awaited before every request to the utility (the engine's shared request
    budget, ADR 0017): clients from ``http_client`` of a paced context await it themselves;
    a connector with its own HTTP stack awaits it before each request (the library-backed ones
    through ``library_support.library_session``). Set both with ``paced_by``.
    """

    clock: Clock = field(default_factory=SystemClock)
    http_client: HttpClientFactory = default_http_client
    sleep: Sleep = asyncio.sleep
    pace: Pace = no_wait

    def now(self) -> datetime:
        return self.clock.now()

    def paced_by(self, pace: Pace) -> ConnectorContext:
        """This (unpaced) context with every request paced by ``pace``, httpx clients included."""
        return replace(self, pace=pace, http_client=paced_http_client(self.http_client, pace))


def paced_http_client(factory: HttpClientFactory, pace: Pace) -> HttpClientFactory:
    """Clients from ``factory`` that await ``pace`` before every request (each redirect too),
    in an httpx request hook: outside httpx's time-outs, so the wait never eats a request's."""

    async def before_request(_request: httpx.Request) -> None:
        await pace()

    def make() -> httpx.AsyncClient:
        client = factory()
        hooks = client.event_hooks
        client.event_hooks = {**hooks, "request": [before_request, *hooks.get("request", [])]}
        return client

    return make


@dataclass(frozen=True)
class Credentials:
    """A login. ``totp_secret``: the authenticator app's setup key (base32, normalized by
    ``gridlink.kit.totp``), given only for utilities whose sign-in kind is ``password_totp``;
    the connector computes codes from it."""

    username: str
    password: str = field(repr=False)
    totp_secret: str | None = field(default=None, repr=False)


@dataclass(frozen=True)
class SessionToken:
    """A storable login (opower's ``login_data``): skips MFA on later logins until expiry.

    ``expires_at`` None means the utility gave no expiry. The engine seals ``value``.
    """

    value: str = field(repr=False)
    expires_at: datetime | None = None

    def is_expired(self, now: datetime) -> bool:
        return self.expires_at is not None and now >= self.expires_at


@dataclass(frozen=True)
class MfaOption:
    id: str
    method: MfaMethod
    destination: str  # masked with "*", e.g. "***-***-4821" or "j***@example.com"


@dataclass(eq=False)
class MfaChallenge:
    """One verification in progress. Mutable: the connector updates it as steps happen.

    ``options`` may be empty when the utility sends the code without asking where.
    ``handle`` is the connector's own state (e.g. a library's MFA handler); opaque to
    everyone else.
    """

    options: tuple[MfaOption, ...]
    attempts_left: int | None = None
    selected_option_id: str | None = None
    closed: bool = False
    handle: object = field(default=None, repr=False)

    def option(self, option_id: str) -> MfaOption | None:
        return next((o for o in self.options if o.id == option_id), None)


class ConnectorSession(abc.ABC):
    """A logged-in session. Close it (or use ``async with``) to release HTTP resources.

    ``session_token``: when not None after login, the engine stores it (sealed), replacing
    the one it holds, and passes it back on every later login.
    """

    session_token: SessionToken | None = None

    @abc.abstractmethod
    async def fetch_accounts(self) -> Sequence[Account]: ...

    @abc.abstractmethod
    async def fetch_meters(self, account: Account) -> Sequence[Meter]: ...

    @abc.abstractmethod
    async def fetch_statements(
        self, meter: Meter, since: date | None = None
    ) -> Sequence[Statement]:
        """Statements covering any day on or after ``since`` (all when None), oldest first by
        period: every bill as issued, overlapping or not; of a re-issued period only the latest."""

    @abc.abstractmethod
    async def fetch_intervals(
        self,
        meter: Meter,
        start: datetime,
        end: datetime,
        resolution: Resolution = Resolution.FINEST,
    ) -> Sequence[IntervalReading]:
        """Readings whose start lies in ``[start, end)``, sorted by (start, direction).

        ``Resolution.DAY`` (asked only of connectors whose ``info.finest_months`` is set):
        one reading per day of the meter's calendar, from local midnight to local midnight.
        """

    async def close(self) -> None:  # noqa: B027 - an optional hook, not abstract
        """Release resources; the default has none."""

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.close()


class Connector(abc.ABC):
    """Talks to the utilities in ``info`` for one utility at a time."""

    info: ClassVar[ConnectorInfo]

    def __init__(self, utility_id: str, context: ConnectorContext | None = None) -> None:
        self.utility: UtilityInfo = self.info.utility(utility_id)
        self.context = context or ConnectorContext()

    @abc.abstractmethod
    async def login(
        self, credentials: Credentials, *, session_token: SessionToken | None = None
    ) -> ConnectorSession:
        """Log in. Raises MfaRequired (or MfaSessionExpired) when a code is needed."""

    async def select_mfa_option(self, challenge: MfaChallenge, option_id: str) -> None:
        """Have the utility send a code to the chosen option (again, to resend)."""
        raise UnsupportedMfa

    async def submit_mfa_code(self, challenge: MfaChallenge, code: str) -> SessionToken:
        """Answer the challenge; returns the token to store and pass to ``login``."""
        raise UnsupportedMfa


__all__ = [
    "Connector",
    "ConnectorContext",
    "ConnectorInfo",
    "ConnectorSession",
    "Credentials",
    "HttpClientFactory",
    "MfaChallenge",
    "MfaOption",
    "Pace",
    "SessionToken",
    "Sleep",
    "UtilityInfo",
    "default_http_client",
    "no_wait",
    "paced_http_client",
]
