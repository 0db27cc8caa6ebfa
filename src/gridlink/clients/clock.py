"""A sandbox client's own clock: the server's time plus the offset the client moved it by."""

from __future__ import annotations

from datetime import datetime, timedelta

from gridlink.kit.clock import Clock


class OffsetClock:
    def __init__(self, base: Clock, offset: timedelta) -> None:
        self.base = base
        self.offset = offset

    def now(self) -> datetime:
        return self.base.now() + self.offset


def client_clock(base: Clock, offset_seconds: int) -> Clock:
    return base if not offset_seconds else OffsetClock(base, timedelta(seconds=offset_seconds))
