"""A client's view of utility-side time: the app's clock plus the client's sandbox offset.

Sandbox clients may move their clock forward (``POST /v1/sandbox/clock``) to reach an MFA
session's expiry, a connector's next statement or a later sync without waiting. The offset only
moves what happens *at the utility*: MFA session expiry, the sandbox connectors, syncs. Our own
time limits (access tokens, connect tokens, authorization codes, connect links, leases, event
retention) always use the app's clock, so moving a sandbox clock never expires a token early.
Live clients' offset is always 0, and ``client_clock`` then returns the app's clock itself.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from gridlink.kit.clock import Clock


class OffsetClock:
    """``base`` shifted by a fixed ``offset``; it moves whenever ``base`` moves."""

    def __init__(self, base: Clock, offset: timedelta) -> None:
        self.base = base
        self.offset = offset

    def now(self) -> datetime:
        return self.base.now() + self.offset


def client_clock(base: Clock, offset_seconds: int) -> Clock:
    """The clock a client's utility-side rules run on (its ``sandbox_clock_offset_seconds``)."""
    if offset_seconds == 0:
        return base
    return OffsetClock(base, timedelta(seconds=offset_seconds))
