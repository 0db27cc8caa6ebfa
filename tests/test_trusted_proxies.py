"""GRIDLINK_TRUSTED_PROXIES: whose X-Forwarded-For and X-Forwarded-Proto `gridlink serve`'s
uvicorn believes. Run through a real uvicorn with the options `gridlink serve` gives it, from
distinct loopback addresses (tests/operations/test_nginx.py does the same behind nginx)."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
import uvicorn
from pydantic import ValidationError

from gridlink import Settings
from gridlink.cli_serve import proxy_options
from tests.own_postgres import free_port

FORGED = {"X-Forwarded-For": "203.0.113.9, 198.51.100.1", "X-Forwarded-Proto": "https"}


async def _echo(scope: dict[str, Any], receive: Any, send: Any) -> None:
    """Answers with the client and scheme the app is given."""
    if scope["type"] != "http":
        return
    body = json.dumps({"client": scope["client"][0], "scheme": scope["scheme"]}).encode()
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": body})


@contextmanager
def serving(settings: Settings) -> Iterator[int]:
    port = free_port()
    config = uvicorn.Config(
        _echo,
        host="127.0.0.1",
        port=port,
        log_config=None,
        lifespan="off",
        **proxy_options(settings),
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started and time.monotonic() < deadline:
        time.sleep(0.01)
    try:
        yield port
    finally:
        server.should_exit = True
        thread.join(timeout=10)


def seen(port: int, source: str) -> dict[str, str]:
    transport = httpx.HTTPTransport(local_address=source)
    with httpx.Client(transport=transport) as http:
        answer: dict[str, str] = http.get(f"http://127.0.0.1:{port}/", headers=FORGED).json()
        return answer


def test_unset_trusts_no_one_not_even_a_local_process() -> None:
    """uvicorn's own default believes 127.0.0.1: any process on the machine could pick its
    address. Unset, `gridlink serve` believes nobody."""
    with serving(Settings()) as port:
        assert seen(port, "127.0.0.1") == {"client": "127.0.0.1", "scheme": "http"}


def test_a_trusted_proxy_names_the_client_and_anyone_else_is_ignored() -> None:
    with serving(Settings(trusted_proxies="127.0.0.2, 10.0.0.0/8")) as port:
        # The right-most address that is not a trusted proxy: what the proxy itself appended.
        assert seen(port, "127.0.0.2") == {"client": "198.51.100.1", "scheme": "https"}
        assert seen(port, "127.0.0.3") == {"client": "127.0.0.3", "scheme": "http"}


@pytest.mark.parametrize("value", ["10.0.0.300", "proxy.internal", "10.0.0.0/33", "*"])
def test_a_value_that_is_not_an_address_or_network_stops_the_start(value: str) -> None:
    """uvicorn would take it as a name that never matches, and quietly trust nobody."""
    with pytest.raises(ValidationError, match="trusted_proxies"):
        Settings(trusted_proxies=value)


def test_networks_and_ipv6_are_accepted() -> None:
    settings = Settings(trusted_proxies=" 10.0.0.0/24 ,::1,[fd00::1], 192.168.1.7/16")
    assert settings.trusted_proxy_list() == ["10.0.0.0/24", "::1", "fd00::1", "192.168.0.0/16"]
