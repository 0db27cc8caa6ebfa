"""The time bound around every library call (library_support.library_call): a call that
outlives it ends as UtilityTimeout, its errors still leave as ours; and the opower connector,
signing in to a site that never answers, ends within its bound."""

from __future__ import annotations

import asyncio
import time
from datetime import timedelta

import pytest
from opower import CannotConnect, create_cookie_jar

from gridlink.connectors.base import ConnectorContext
from gridlink.connectors.errors import ConnectorError, TemporarilyUnavailable, UtilityTimeout
from gridlink.connectors.library_support import library_call
from gridlink.connectors.opower import OpowerConnector, OpowerLibrary
from gridlink.connectors.opower.errors import translate
from gridlink.connectors.testing import Scenario, check_scenario
from tests.connectors.hang import Hang
from tests.connectors.https_site import HttpsSite
from tests.connectors.library_fakes import no_sockets  # noqa: F401 - autouse

BOUND = timedelta(seconds=0.2)


async def test_a_call_that_outlives_its_bound_is_a_utility_timeout() -> None:
    began = time.monotonic()
    with pytest.raises(UtilityTimeout):
        async with library_call(translate, BOUND):
            await asyncio.Event().wait()  # never set
    assert 0.2 <= time.monotonic() - began < 2


@pytest.mark.parametrize(
    ("raised", "expected"),
    [(CannotConnect(), TemporarilyUnavailable), (KeyError("data"), TemporarilyUnavailable)],
)
async def test_errors_inside_the_bound_leave_as_ours(
    raised: Exception, expected: type[ConnectorError]
) -> None:
    with pytest.raises(expected):
        async with library_call(translate, BOUND):
            raise raised


async def test_a_call_within_its_bound_is_left_alone() -> None:
    async with library_call(translate, BOUND):
        await asyncio.sleep(0.01)
    with pytest.raises(RuntimeError):  # not the library's: a bug, not disguised
        async with library_call(translate, BOUND):
            raise RuntimeError("ours")


async def test_opower_signing_in_to_a_site_that_never_answers_ends_as_utility_timeout() -> None:
    hang = Hang()
    site = HttpsSite()
    site.route("POST", "auth.duquesnelight.com", "/oauth/authorize/login", hang)
    async with site:
        sessions = site.session_factory(cookie_jar=create_cookie_jar)
        connector = OpowerConnector.with_library(
            OpowerLibrary(session=sessions, call_timeout=BOUND)
        )
        scenario = Scenario("silent", "eia_5487", "someone", "a-password", raises=UtilityTimeout)
        with hang.held():
            await check_scenario(connector, scenario, ConnectorContext())
        assert hang.entered == 1
    assert sessions.all_closed
