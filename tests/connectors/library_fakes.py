"""What library-backed connector tests share: aiohttp sessions that remember whether they
were closed, and a guard that fails any socket connect except to a fake site of the test's
own (tests/connectors/https_site.py)."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import aiohttp
import pytest

# The loopback addresses of the fake sites running now: the only ones a test may reach.
_ALLOWED: dict[tuple[str, int], int] = {}


def allow_connections_to(addresses: Iterable[tuple[str, int]]) -> Callable[[], None]:
    """Let tests connect to ``addresses`` (a fake site's); returns the call that stops it."""
    added = list(addresses)
    for address in added:
        _ALLOWED[address] = _ALLOWED.get(address, 0) + 1

    def stop() -> None:
        for address in added:
            _ALLOWED[address] -= 1
            if not _ALLOWED[address]:
                del _ALLOWED[address]

    return stop


class NoNetwork(aiohttp.BaseConnector):
    """An aiohttp connector that refuses every connection: a fake that forgot to stand in
    for a library call fails loudly instead of reaching a utility."""

    async def _create_connection(self, req: Any, traces: Any, timeout: Any) -> Any:  # noqa: ASYNC109
        raise AssertionError(f"a test tried to reach {req.url.host}")


def _unreachable() -> aiohttp.ClientSession:
    return aiohttp.ClientSession(connector=NoNetwork())


class Sessions:
    """The factory a connector gets for its aiohttp sessions; keeps each one it made."""

    def __init__(self, make: Callable[[], aiohttp.ClientSession] = _unreachable) -> None:
        self.made: list[aiohttp.ClientSession] = []
        self._make = make

    def __call__(self) -> aiohttp.ClientSession:
        session = self._make()
        self.made.append(session)
        return session

    @property
    def all_closed(self) -> bool:
        return bool(self.made) and all(s.closed for s in self.made)


@pytest.fixture(autouse=True)
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[object]]:
    """Fails (and records) any attempt to open a connection while a test runs, except to a
    fake site the test started."""
    attempts: list[object] = []
    connect, connect_ex = socket.socket.connect, socket.socket.connect_ex

    def allowed(address: object) -> bool:
        return isinstance(address, tuple) and tuple(address[:2]) in _ALLOWED

    def guarded_connect(self: socket.socket, address: Any) -> None:
        if not allowed(address):
            attempts.append(address)
            raise AssertionError(f"a test opened a real socket to {address!r}")
        connect(self, address)

    def guarded_connect_ex(self: socket.socket, address: Any) -> int:
        if not allowed(address):
            attempts.append(address)
            raise AssertionError(f"a test opened a real socket to {address!r}")
        return connect_ex(self, address)

    monkeypatch.setattr(socket.socket, "connect", guarded_connect)
    monkeypatch.setattr(socket.socket, "connect_ex", guarded_connect_ex)
    yield attempts
    assert attempts == []
