"""Riding out a database that is briefly away: which errors mean that, and how long to wait.

A restart, a failover, PgBouncer pausing, or every connection taken makes transactions fail for a
while with connection errors. Loops that claim work back off and try again (``Backoff``), a
request answers ``503 database_unavailable`` with ``Retry-After``, and a sign-in in flight keeps
its utility session and retries its own database step (``retry_transient``), so an outage of a
few seconds costs time, not sign-ins.
"""

from __future__ import annotations

import asyncio
import contextlib
import errno
import logging
import random
import socket
from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy import exc as sa_exc

logger = logging.getLogger(__name__)
T = TypeVar("T")

# SQLSTATE classes of a server that is going away or not taking connections yet:
# 08 connection exception, 57P01-57P03 admin/crash shutdown and "cannot connect now",
# 53300 too many connections.
_TRANSIENT_SQLSTATES = ("08", "57P01", "57P02", "57P03", "53300")


def is_transient(error: BaseException) -> bool:
    """True for errors that say the database could not be reached, not that the statement was
    wrong: retrying the whole transaction later is the cure."""
    if isinstance(error, sa_exc.TimeoutError):  # no free connection in the pool in time
        return True
    if isinstance(error, sa_exc.DBAPIError):
        if error.connection_invalidated or isinstance(error, sa_exc.InterfaceError):
            return True
        sqlstate = getattr(error.orig, "sqlstate", None) or getattr(error.orig, "pgcode", None)
        if isinstance(sqlstate, str) and sqlstate.startswith(_TRANSIENT_SQLSTATES):
            return True
        return _unreachable(error.orig.__cause__ if error.orig is not None else None)
    # asyncpg raises these from connect() before SQLAlchemy wraps anything.
    return _unreachable(error) or type(error).__name__ in (
        "CannotConnectNowError",
        "TooManyConnectionsError",
        "ConnectionDoesNotExistError",
    )


# A host or port that does not answer; not, say, a full disk (an OSError too).
_UNREACHABLE_ERRNOS = frozenset(
    {
        errno.ECONNREFUSED,
        errno.ECONNRESET,
        errno.ECONNABORTED,
        errno.EHOSTUNREACH,
        errno.ENETUNREACH,
        errno.ETIMEDOUT,
        errno.EPIPE,
    }
)


def _unreachable(error: BaseException | None) -> bool:
    if isinstance(error, ConnectionError | socket.gaierror | TimeoutError):
        return True
    if isinstance(error, OSError):
        # Several addresses tried (asyncpg through uvloop): "Multiple exceptions: [Errno 111]…"
        return error.errno in _UNREACHABLE_ERRNOS or str(error).startswith("Multiple exceptions")
    return False


class Backoff:
    """Exponential pauses with full jitter, reset by a success: a loop that keeps failing asks
    the database less and less often, and many workers don't come back in step."""

    def __init__(self, first: float = 0.5, most: float = 30.0) -> None:
        self.first = first
        self.most = most
        self.failures = 0

    def succeeded(self) -> None:
        self.failures = 0

    def failed(self) -> float:
        """Count a failure; the seconds to wait before the next try."""
        self.failures += 1
        ceiling = min(self.most, self.first * 2 ** min(self.failures - 1, 16))
        return random.uniform(ceiling / 2, ceiling)  # noqa: S311 - jitter, not a secret


def log_failure(
    log: logging.Logger, what: str, error: Exception, retry_in: float, **context: object
) -> None:
    """One warning line for a database that is away (expected, not a bug); a trace otherwise."""
    extra = {**context, "retry_in_seconds": round(retry_in, 2)}
    if is_transient(error):
        log.warning(what, extra={**extra, "error": type(error).__name__})
    else:
        log.error(what, exc_info=error, extra=extra)


async def keep_doing(
    stop: asyncio.Event,
    every: float,
    step: Callable[[], Awaitable[None]],
    *,
    what: str,
    log: logging.Logger,
) -> None:
    """``step`` every ``every`` seconds until ``stop`` is set. After a failure, sooner (a growing
    pause capped at ``every``): a lease heartbeat's leases run out while the database is away."""
    backoff = Backoff(most=every)
    wait = every
    while not stop.is_set():
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), timeout=wait)
        wait = every
        try:
            await step()
            backoff.succeeded()
        except Exception as error:
            wait = backoff.failed()
            log_failure(log, what, error, wait)


async def retry_transient(
    step: Callable[[], Awaitable[T]], *, give_up_after: float, what: str
) -> T:
    """Run ``step`` (one whole transaction) again while it fails for a transient reason, for at
    most ``give_up_after`` seconds; any other error, or the last transient one, is raised."""
    loop = asyncio.get_running_loop()
    ends = loop.time() + give_up_after
    backoff = Backoff(first=0.25, most=5.0)
    while True:
        try:
            return await step()
        except Exception as error:
            pause = backoff.failed()
            if not is_transient(error) or loop.time() + pause > ends:
                raise
            logger.warning(
                "database unavailable; retrying",
                extra={"step": what, "retry_in_seconds": round(pause, 2)},
            )
            await asyncio.sleep(pause)
