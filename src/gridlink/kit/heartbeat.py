"""Is each worker loop alive? Heartbeats for readiness (``/readyz``) and metrics.

The worker (worker/runner.py) gives each loop it supervises a ``LoopHealth`` and makes it the
current one in the loop's task; the loop calls ``beat()`` once per turn of its work cycle. A
loop is *down* when it crashed and has not beaten since its restart, and *stalled* when its
last beat is older than the stall threshold (or than the wait it announced with
``beat(within=...)``, for a loop that sleeps longer, like the hourly file sweeper). A loop stuck
on a lock or a hung connection stops beating, which is what a readiness check must see.

Monotonic time throughout: a wall clock stepped by NTP must not make a loop look stalled.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class LoopHealth:
    name: str
    now: Callable[[], float] = time.monotonic
    last_beat: float = field(default=0.0)
    within: float = 0.0  # the longest wait the loop announced before its next beat
    crashes: int = 0
    crashed_at: float | None = None
    crash: str | None = None  # the exception's type (never its message: it may quote input)

    def __post_init__(self) -> None:
        self.last_beat = self.now()  # starting counts as the first beat

    def beat(self, within: float = 0.0) -> None:
        self.last_beat = self.now()
        self.within = within
        self.crashed_at = None
        self.crash = None

    def crashed(self, error: BaseException) -> None:
        self.crashes += 1
        self.crashed_at = self.now()
        self.crash = type(error).__name__

    def age(self) -> float:
        """Seconds since the last beat."""
        return max(0.0, self.now() - self.last_beat)

    def problem(self, stall_seconds: float) -> str | None:
        """Why this loop is not healthy, or None."""
        if self.crashed_at is not None:
            return f"the {self.name} loop crashed ({self.crash}) and has not recovered"
        if self.age() > self.within + stall_seconds:
            return f"the {self.name} loop has not made progress for {self.age():.0f} s"
        return None


@dataclass
class WorkerHealth:
    """Every loop of one worker, by name."""

    stall_seconds: float
    loops: dict[str, LoopHealth] = field(default_factory=dict)

    def loop(self, name: str) -> LoopHealth:
        return self.loops.setdefault(name, LoopHealth(name))

    def problems(self) -> list[str]:
        found = (health.problem(self.stall_seconds) for health in self.loops.values())
        return [problem for problem in found if problem is not None]


_current: ContextVar[LoopHealth | None] = ContextVar("gridlink_loop_health", default=None)


def watch(health: LoopHealth) -> None:
    """Make ``health`` the one ``beat()`` reports to, in the current task (the supervisor's)."""
    _current.set(health)


def beat(within: float = 0.0) -> None:
    """The current loop made progress; ``within``: it may now wait that long before the next
    beat. A no-op outside a supervised loop (a test driving a loop by hand)."""
    health = _current.get()
    if health is not None:
        health.beat(within)
