"""What library-backed connector tests share: aiohttp sessions that cannot reach a network
and remember whether they were closed, and a guard that fails any real socket connect."""

from __future__ import annotations

import socket
from collections.abc import Iterator
from typing import Any

import aiohttp
import pytest

from gridlink.connectors.base import Pace


class NoNetwork(aiohttp.BaseConnector):
    """An aiohttp connector that refuses every connection: a fake that forgot to stand in
    for a library call fails loudly instead of reaching a utility."""

    async def _create_connection(self, req: Any, traces: Any, timeout: Any) -> Any:  # noqa: ASYNC109
        raise AssertionError(f"a test tried to reach {req.url.host}")


class Sessions:
    """The factory a connector gets for its aiohttp sessions; keeps each one it made."""

    def __init__(self) -> None:
        self.made: list[aiohttp.ClientSession] = []

    def __call__(self, pace: Pace) -> aiohttp.ClientSession:
        # No pacing: nothing leaves these sessions (tests/connectors/test_pacing.py paces
        # the connectors' real sessions against a loopback server).
        session = aiohttp.ClientSession(connector=NoNetwork())
        self.made.append(session)
        return session

    @property
    def all_closed(self) -> bool:
        return bool(self.made) and all(s.closed for s in self.made)


@pytest.fixture(autouse=True)
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Fails (and records) any attempt to open a real connection while a test runs."""
    attempts: list[object] = []

    def refuse(self: socket.socket, address: object) -> None:
        attempts.append(address)
        raise AssertionError(f"a test opened a real socket to {address!r}")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    yield attempts
    assert attempts == []
