"""Connector tests need no database: a manual clock and a fast sandbox are all they use."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from gridlink.connectors.base import ConnectorContext
from gridlink.connectors.sandbox import SandboxConnector, SandboxSettings
from gridlink.kit.clock import ManualClock

START = datetime(2026, 3, 20, 17, 30, tzinfo=UTC)

FAST = SandboxSettings(
    slow_delay=timedelta(milliseconds=5), timeout_after=timedelta(milliseconds=5)
)
FastSandbox = SandboxConnector.with_settings(FAST)


class RecordingSleep:
    """Answers at once and remembers what was asked, so long waits cost nothing."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def context(clock: ManualClock, sleep: RecordingSleep) -> ConnectorContext:
    return ConnectorContext(clock=clock, sleep=sleep)
