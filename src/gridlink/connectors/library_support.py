"""Helpers for connectors built on a utility's Python library that speaks aiohttp.

Such a library takes an ``aiohttp.ClientSession`` from its caller. The connector creates
it (through a factory tests replace, given the context's ``pace``) and closes it: when login
fails, when a session ends, and when an MFA dialog ends. ``library_session`` makes one whose
every request waits for the utility's request budget first. Library numbers are floats;
``to_decimal`` keeps the digits the library printed (``0.1`` stays ``Decimal("0.1")``, not
its binary expansion).

Every call into a library runs inside ``library_call``: a time bound for the whole call
(a library call can be several requests, retries included, and a library may retry without
end), and its exceptions translated to ours. A call that outlives the bound is cancelled and
ends as ``UtilityTimeout``.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from datetime import datetime, timedelta
from decimal import Decimal
from email.utils import parsedate_to_datetime
from typing import Any

import aiohttp
from aiohttp.connector import Connection
from aiohttp.tracing import Trace

from gridlink.connectors.base import Pace
from gridlink.connectors.errors import ConnectorError, TemporarilyUnavailable, UtilityTimeout

SessionFactory = Callable[[Pace], aiohttp.ClientSession]
CONNECT_TIMEOUT = 30.0

logger = logging.getLogger(__name__)

# What a library raises when the utility answered in a shape it did not expect: the site
# changed. The reaction is the same as for an outage (retry later), not a crash.
UNEXPECTED_ANSWER: tuple[type[Exception], ...] = (KeyError, IndexError, TypeError, ValueError)

# The longest one library call may take, every request and retry in it included. Generous:
# the aiohttp sessions bound each request (60 to 120 s) and an opower call can be a few
# requests; this catches what those cannot, such as a library retrying without end.
LIBRARY_CALL_TIMEOUT = timedelta(minutes=5)


class PacedConnector(aiohttp.TCPConnector):
    """A TCP connector that awaits ``pace`` each time aiohttp asks it for a connection, which
    it does once per request sent (each redirect and each retry too).

    The connector rather than a ``TraceConfig``: a library that opens a session of its own on
    the caller's connector (opower's ConEd login does, with the caller's cookies, headers and
    time-outs but not its trace configs) stays paced.
    """

    def __init__(self, pace: Pace, **options: Any) -> None:
        super().__init__(**options)
        self._pace = pace

    async def connect(
        self,
        req: aiohttp.ClientRequest,
        traces: list[Trace],
        timeout: aiohttp.ClientTimeout,  # noqa: ASYNC109 - aiohttp's signature
    ) -> Connection:
        await self._pace()
        return await super().connect(req, traces, timeout)


def library_session(pace: Pace, *, read_timeout: float, **options: Any) -> aiohttp.ClientSession:
    """A session for a utility library whose every request waits for ``pace`` first.

    Time-outs are per step (connecting, each read) rather than one total: aiohttp starts a
    request's total clock before it asks the connector for a connection, so the wait for the
    request budget would eat the request's own time, and a wait longer than the total would
    leave the request with no bound at all.
    """
    return aiohttp.ClientSession(
        connector=PacedConnector(pace),
        timeout=aiohttp.ClientTimeout(
            total=None, sock_connect=CONNECT_TIMEOUT, sock_read=read_timeout
        ),
        **options,
    )


def to_decimal(value: float | int | str) -> Decimal:
    return Decimal(str(value))


def transport_error(error: BaseException) -> ConnectorError | None:
    """Our error for a network failure or time-out, None for anything else."""
    if isinstance(error, asyncio.TimeoutError):  # aiohttp's time-outs included
        return UtilityTimeout()
    if isinstance(error, aiohttp.ClientError):
        return TemporarilyUnavailable()
    return None


def unexpected_answer(connector_id: str, error: Exception) -> TemporarilyUnavailable:
    # Only the type: library messages can quote the utility's answer, which may hold data.
    logger.warning("%s: the utility's answer surprised the library (%s)", connector_id, type(error))
    return TemporarilyUnavailable(
        "The utility answered in a way Gridlink does not understand yet. "
        "Gridlink will try again later."
    )


def common_error(connector_id: str, error: Exception) -> ConnectorError | None:
    """The reactions every library connector shares, after its own: our errors pass, network
    failures and time-outs, answers the library could not parse; None for anything else."""
    if isinstance(error, ConnectorError):
        return error
    found = transport_error(error)
    if found is not None:
        return found
    if isinstance(error, UNEXPECTED_ANSWER):
        return unexpected_answer(connector_id, error)
    return None


@contextmanager
def raised_as_ours(translate: Callable[[Exception], ConnectorError | None]) -> Iterator[None]:
    """Run library calls inside: what ``translate`` maps leaves as ours, anything else as it was."""
    try:
        yield
    except Exception as error:
        mapped = translate(error)
        if mapped is None or mapped is error:
            raise
        raise mapped from error


@asynccontextmanager
async def library_call(
    translate: Callable[[Exception], ConnectorError | None], within: timedelta
) -> AsyncIterator[None]:
    """Run one library call inside: at most ``within``, then ``UtilityTimeout``; the library's
    exceptions leave as ours (``translate``), anything else as it was."""
    with raised_as_ours(translate):
        async with asyncio.timeout(within.total_seconds()):
            yield


def retry_after(response: aiohttp.ClientResponse, now: datetime) -> timedelta | None:
    """How long the utility asked us to wait (``Retry-After``: seconds or an HTTP date)."""
    value = response.headers.get("Retry-After", "").strip()
    if value.isdigit():
        return timedelta(seconds=int(value))
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return max(moment - now, timedelta(0))


async def close_session(session: aiohttp.ClientSession) -> None:
    if not session.closed:
        await session.close()


__all__ = [
    "CONNECT_TIMEOUT",
    "LIBRARY_CALL_TIMEOUT",
    "UNEXPECTED_ANSWER",
    "PacedConnector",
    "SessionFactory",
    "close_session",
    "common_error",
    "library_call",
    "library_session",
    "raised_as_ours",
    "retry_after",
    "to_decimal",
    "transport_error",
    "unexpected_answer",
]
