"""Every request a connector sends waits for its context's ``pace`` first.

Counted against a real aiohttp server on 127.0.0.1: the connectors' own session factories
(the aiohttp sessions the opower and smart-meter-texas libraries are handed), a session a
library opens on the same connector (as opower's ConEd login does), and the httpx clients of
a paced context. Redirects are requests too.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from typing import Any

import aiohttp
import httpx
import pytest

from gridlink.connectors.base import ConnectorContext, Credentials, Pace
from gridlink.connectors.library_support import library_session
from gridlink.connectors.opower import connector as opower
from gridlink.connectors.opower.connector import OpowerConnector, OpowerLibrary
from gridlink.connectors.smart_meter_texas import connector as smt
from gridlink.kit.clock import ManualClock
from tests.loopback import Site, site_fixture  # noqa: F401 - the fixture

PACED_TWICE_AND_REDIRECTED = [
    "pace",
    "request /page",
    "pace",
    "request /moved",
    "pace",
    "request /page",
]


@pytest.mark.parametrize("new_session", [opower.new_session, smt.new_session])
async def test_each_request_of_a_library_session_waits_for_the_pace(
    site: Site, new_session: Callable[[Pace], aiohttp.ClientSession]
) -> None:
    async with new_session(site.pace()) as session:
        for path in ("/page", "/moved"):
            async with session.get(site.url(path)) as response:
                assert await response.text() == "ok"
    assert site.log == PACED_TWICE_AND_REDIRECTED


async def test_a_session_the_library_opens_on_our_connector_is_paced_too(site: Site) -> None:
    """opower's ConEd login opens a session of its own with the caller's connector, cookie jar
    and time-outs, but not its trace configs: pacing lives in the connector for this."""
    async with opower.new_session(site.pace()) as session:
        login_session = aiohttp.ClientSession(
            connector=session.connector, connector_owner=False, timeout=session.timeout
        )
        async with login_session, login_session.get(site.url("/page")) as response:
            assert response.status == 200
    assert site.log == ["pace", "request /page"]


async def test_the_wait_for_a_token_does_not_eat_the_request_time(site: Site) -> None:
    async def slow_pace() -> None:
        await asyncio.sleep(1.5)

    async with library_session(slow_pace, read_timeout=1.0) as session:
        async with session.get(site.url("/page")) as response:  # waited 1.5 s, read in time
            assert await response.text() == "ok"
        started = time.monotonic()
        with pytest.raises(aiohttp.ServerTimeoutError):  # a silent utility is still cut off
            async with session.get(site.url("/slow")) as response:
                await response.read()
        assert time.monotonic() - started < 1.5 + 3  # the pace, the read time-out, slack


async def test_each_request_of_a_paced_context_s_httpx_client_waits_for_the_pace(
    site: Site,
) -> None:
    seen_by_own_hook: list[str] = []

    async def own_hook(request: httpx.Request) -> None:
        seen_by_own_hook.append(request.url.path)

    def factory() -> httpx.AsyncClient:
        return httpx.AsyncClient(follow_redirects=True, event_hooks={"request": [own_hook]})

    context = ConnectorContext(http_client=factory).paced_by(site.pace())
    async with context.http_client() as client:
        for path in ("/page", "/moved"):
            assert (await client.get(site.url(path))).text == "ok"
    assert site.log == PACED_TWICE_AND_REDIRECTED
    assert seen_by_own_hook == ["/page", "/moved", "/page"]  # the client's own hooks stay
    async with ConnectorContext().http_client() as unpaced:  # the default: no wait
        await unpaced.get(site.url("/page"))
    assert site.log[-2:] == ["request /page", "request /page"]  # no pace in between


class ProbeOpower:
    """Stands in for ``opower.Opower``: its login makes one request on the session it was
    handed, so the test sees whether the connector paced that session."""

    def __init__(self, http: aiohttp.ClientSession, *_: Any) -> None:
        self.http = http
        self.url = ""

    async def async_login(self) -> None:
        async with self.http.get(self.url) as response:
            await response.read()

    authenticate = async_login  # smart_meter_texas.Client's name for it


async def test_the_connectors_hand_their_libraries_a_session_paced_by_the_context(
    site: Site,
) -> None:
    def probe(http: aiohttp.ClientSession, *args: Any) -> Any:
        client = ProbeOpower(http, *args)
        client.url = site.url("/page")
        return client

    context = ConnectorContext(clock=ManualClock()).paced_by(site.pace())
    # Smart Meter Texas: tests/connectors/test_smt_pacing.py (its library builds its own client).
    connector = OpowerConnector.with_library(OpowerLibrary(client=probe))("eia_14328", context)
    session = await connector.login(Credentials("someone", "secret"))
    await session.close()
    assert site.log == ["pace", "request /page"]
