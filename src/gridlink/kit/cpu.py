"""How busy this process's core is: the share of wall time it spent computing lately.

Python runs one thread at a time per process, so a process computing ``share() ≈ 1.0`` of the
time is saturated: more CPU work taken on only makes everything it runs slower, while another
process (another core) may sit idle. The sync loop asks before it takes more work (ADR 0024).
"""

from __future__ import annotations

import time
from collections.abc import Callable


class ProcessLoad:
    def __init__(
        self,
        window_seconds: float = 1.0,
        wall: Callable[[], float] = time.monotonic,
        cpu: Callable[[], float] = time.process_time,
    ) -> None:
        self.window_seconds = window_seconds
        self._wall = wall
        self._cpu = cpu
        self._at = wall()
        self._used = cpu()
        self._share = 0.0

    def share(self) -> float:
        """CPU seconds per wall second over the last whole window (0.0 before the first)."""
        now, used = self._wall(), self._cpu()
        elapsed = now - self._at
        if elapsed >= self.window_seconds:
            self._share = (used - self._used) / elapsed
            self._at, self._used = now, used
        return self._share
