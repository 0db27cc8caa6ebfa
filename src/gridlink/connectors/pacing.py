"""How fast a connector may ask a utility: a pace it declares, and the pacer that keeps it.

A ``SessionPace`` is two limits: at least ``spacing`` between two requests, and at most
``per_minute`` requests in any sliding minute. A ``Pacer`` holds one session's recent request
times and waits (with the context's ``sleep``, on the context's ``clock``) until the next
request keeps both. With a test clock that a test's ``sleep`` moves, no real time passes and
the clock shows the wall time a run would take.

This paces one session. The budget shared by every worker for one utility is a separate,
coarser limit.
"""

from __future__ import annotations

import asyncio
from collections import deque
from dataclasses import dataclass
from datetime import datetime, timedelta

from gridlink.connectors.base import Sleep
from gridlink.kit.clock import Clock

MINUTE = timedelta(minutes=1)


@dataclass(frozen=True)
class SessionPace:
    spacing: timedelta
    per_minute: int

    def __post_init__(self) -> None:
        if self.spacing < timedelta(0) or self.per_minute < 1:
            raise ValueError("a pace needs a spacing of zero or more and at least 1 per minute")


class Pacer:
    def __init__(self, pace: SessionPace, clock: Clock, sleep: Sleep) -> None:
        self.pace = pace
        self._clock = clock
        self._sleep = sleep
        self._sent: deque[datetime] = deque()  # the last `per_minute` request times
        self._turn = asyncio.Lock()

    async def wait(self) -> None:
        """Return when the next request may go; it counts as sent then."""
        async with self._turn:
            now = self._clock.now()
            due = self.next_due(now)
            if due > now:
                await self._sleep((due - now).total_seconds())
            # A test sleep need not move the clock: the request went at `due` all the same.
            self._sent.append(max(due, self._clock.now()))
            while len(self._sent) > self.pace.per_minute:
                self._sent.popleft()

    def next_due(self, now: datetime) -> datetime:
        due = now
        if self._sent:
            due = max(due, self._sent[-1] + self.pace.spacing)
        if len(self._sent) >= self.pace.per_minute:
            # The oldest of the last `per_minute` requests must be a minute old.
            due = max(due, self._sent[-self.pace.per_minute] + MINUTE)
        return due


__all__ = ["Pacer", "SessionPace"]
