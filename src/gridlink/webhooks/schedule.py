"""When to try again: the retry schedule, jitter, ``Retry-After`` and the disable rules.

The delays follow the Standard Webhooks example: after the first attempt fails, wait 5 s, then
5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h and 24 h between attempts (ten attempts over about
75.6 hours), then the delivery is marked failed. Each delay gets up to 10 % of random jitter,
added, never subtracted, so retries never come early and a recovering receiver is not hit by
every retry at the same second. A throttling answer (429, 502, 503, 504) may ask for a longer
wait with ``Retry-After``: the retry then comes no earlier than that (capped at 24 h).
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

RETRY_DELAYS = (
    timedelta(seconds=5),
    timedelta(minutes=5),
    timedelta(minutes=30),
    timedelta(hours=2),
    timedelta(hours=5),
    timedelta(hours=10),
    timedelta(hours=14),
    timedelta(hours=20),
    timedelta(hours=24),
)
MAX_ATTEMPTS = len(RETRY_DELAYS) + 1
JITTER = 0.1
MAX_RETRY_AFTER = timedelta(hours=24)
DISABLE_FAILING_ENDPOINT_AFTER = timedelta(days=5)
# The answers that mean "slow down" (Standard Webhooks, Svix): too many requests, and a gateway
# or server that is overloaded or down for a while. Their ``Retry-After`` is honoured; any other
# answer's is ignored (a 500 or a 404 saying when to retry is not a throttle).
RETRY_AFTER_STATUSES = frozenset({429, 502, 503, 504})


def next_delay(
    attempts_made: int,
    retry_after: timedelta | None = None,
    rand: Callable[[], float] = random.random,
) -> timedelta | None:
    """The wait after ``attempts_made`` failed attempts, or None when none is left.

    A receiver's ``Retry-After`` (capped at 24 h) is honoured: the wait is never shorter."""
    if attempts_made >= MAX_ATTEMPTS:
        return None
    delay = RETRY_DELAYS[attempts_made - 1] * (1 + JITTER * rand())
    if retry_after is not None:
        delay = max(delay, min(retry_after, MAX_RETRY_AFTER))
    return delay


def parse_retry_after(value: str | None, now: datetime) -> timedelta | None:
    """``Retry-After`` as seconds or an HTTP date; None when absent or unreadable."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():
        # Nine digits (31 years) are plenty, the wait is capped at 24 h anyway; int() of
        # thousands of digits would raise.
        return timedelta(seconds=int(value) if len(value) <= 9 else 10**9)
    try:
        moment = parsedate_to_datetime(value)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None
    if moment.tzinfo is None:
        return None
    return max(moment - now, timedelta(0))
