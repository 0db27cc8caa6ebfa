"""What "never faster than the budget" means for a list of moments requests went out."""

from __future__ import annotations

import math

from gridlink.connectors.metadata import RequestBudget

# A request goes out once its take has committed and its task runs again: an early take
# whose commit is slow (a fresh connection's first statement, a busy 2-core machine: tens of
# milliseconds) goes out that much later, closer to the next. Small against the 0.2 s used.
JITTER = 0.05


def overruns(moments: list[float], budget: RequestBudget) -> list[str]:
    """Every window [t_i, t_j] holding more requests than a token bucket allows: ``burst`` plus
    one per ``interval`` elapsed (with ``JITTER`` of slack)."""
    times = sorted(moments)
    found = []
    for i, first in enumerate(times):
        for j in range(i + 1, len(times)):
            span = times[j] - first
            allowed = budget.burst + math.floor((span + JITTER) / budget.interval)
            if j - i + 1 > allowed:
                found.append(f"{j - i + 1} requests in {span:.3f} s (at most {allowed})")
    return found
