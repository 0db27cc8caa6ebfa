"""Failed sign-ins count per client, never across tenants (issue 11 item 2): per login, per end
user, per connect token, and for live clients per IP address and per client."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from gridlink import Settings
from gridlink.attempts import limits
from gridlink.kit.clock import ManualClock
from gridlink.models import LoginFailure, MfaCodeEvent
from tests.attempts.flows import connect_token, open_session
from tests.attempts.live_twin import TWIN, registry_with_twin
from tests.factories import TestClient, assert_error, make_client
from tests.lifespan import running_with_connectors

SANDBOX = "sandbox_electric"
SHORTCUT = "/v1/sandbox/utility_credentials"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Small ceilings, so a few sign-ins reach them."""
    return settings.model_copy(
        update={"sign_in_failures_per_ip_hour": 4, "sign_in_failures_per_client_hour": 7}
    )


@pytest.fixture
async def app(
    settings: Settings, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[FastAPI]:
    async with running_with_connectors(settings, clock, monkeypatch, registry_with_twin) as app:
        yield app


@pytest.fixture
async def from_ip(app: FastAPI) -> AsyncIterator[Any]:
    """``from_ip("203.0.113.7")``: an HTTP client whose requests come from that address."""
    opened: list[httpx.AsyncClient] = []

    def make(address: str) -> httpx.AsyncClient:
        transport = httpx.ASGITransport(
            app=app, raise_app_exceptions=False, client=(address, 40000)
        )
        client = httpx.AsyncClient(transport=transport, base_url="http://testserver")
        opened.append(client)
        return client

    yield make
    for client in opened:
        await client.aclose()


async def try_sign_in(
    api: httpx.AsyncClient,
    client: TestClient,
    user: str,
    username: str,
    password: str,
    utility_id: str = SANDBOX,
) -> httpx.Response | dict[str, Any]:
    """One sign-in from a fresh connect token: the finished attempt, or the refusal."""
    token = await connect_token(api, client, client_user_id=user, utility_id=utility_id)
    widget = await open_session(api, token)
    response = await widget.post("/attempts", {"username": username, "password": password})
    if response.status_code != 200:
        return response
    return await widget.follow(response.json())


async def fail(
    api: httpx.AsyncClient, client: TestClient, user: str, username: str, **kw: Any
) -> None:
    result = await try_sign_in(api, client, user, username, "wrong", **kw)
    assert isinstance(result, dict), result.text
    assert result["status"] == "rejected"


async def test_one_client_cannot_lock_a_username_for_another_client(
    app: FastAPI, api: httpx.AsyncClient, from_ip: Any
) -> None:
    """The review's reproduction: five failures as username U at utility X from client B, each
    from a fresh connect token; client A's end user then signs in with the right password."""
    victim_app = await make_client(app, environment="live")
    attacker = await make_client(app, environment="live")
    for i in range(limits.MAX_FAILED_PER_LOGIN):  # from as many addresses (no IP ceiling)
        await fail(
            from_ip(f"198.51.100.{i}"), attacker, f"attacker-{i}", "user_good", utility_id=TWIN
        )
    blocked = await try_sign_in(
        from_ip("198.51.100.99"), attacker, "attacker-9", "user_good", "pass_good", TWIN
    )
    assert isinstance(blocked, httpx.Response)
    assert "this username" in str(assert_error(blocked, 429, "rate_limited")["message"])
    # Live logins count per client, across its end users (a real account to protect)...
    victim = await try_sign_in(api, victim_app, "customer", "user_good", "pass_good", TWIN)
    assert isinstance(victim, dict)
    assert victim["status"] == "verified"


async def test_sandbox_user_good_cannot_be_locked_for_anyone_else(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    other_client = await make_client(app)
    for _ in range(limits.MAX_FAILED_PER_LOGIN):
        await fail(api, client, "prankster", "user_good")
    own = await try_sign_in(api, client, "prankster", "user_good", "pass_good")
    assert isinstance(own, httpx.Response)
    assert_error(own, 429, "rate_limited")
    # ...sandbox logins are shared fixtures: they count per end user as well.
    for who, by in (("developer", client), ("developer", other_client)):
        result = await try_sign_in(api, by, who, "user_good", "pass_good")
        assert isinstance(result, dict)
        assert result["status"] == "verified"


async def test_the_sandbox_shortcut_is_not_blocked_by_another_client(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    other = await make_client(app)
    body = {"utility_id": SANDBOX, "username": "user_good", "password": "wrong"}
    for _ in range(limits.MAX_FAILED_PER_LOGIN):
        failed = await api.post(SHORTCUT, json={**body, "client_user_id": "ci"}, auth=other.auth)
        assert failed.status_code == 200, failed.text
    blocked = await api.post(SHORTCUT, json={**body, "client_user_id": "ci"}, auth=other.auth)
    assert_error(blocked, 429, "rate_limited")
    good = {**body, "password": "pass_good", "client_user_id": "ci"}
    mine = await api.post(SHORTCUT, json=good, auth=client.auth)
    assert mine.status_code == 200, mine.text
    assert mine.json()["status"]["status"] == "verified"


async def test_an_end_user_trying_many_logins_is_stopped(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    for i in range(limits.MAX_FAILED_PER_END_USER):
        await fail(api, client, "sprayer", f"user_good+victim{i}")
    refused = await try_sign_in(api, client, "sprayer", "user_good+victim99", "pass_good")
    assert isinstance(refused, httpx.Response)
    assert "today" in str(assert_error(refused, 429, "rate_limited")["message"])
    ok = await try_sign_in(api, client, "someone-else", "user_good+victim99", "pass_good")
    assert isinstance(ok, dict)
    assert ok["status"] == "verified"


async def test_a_live_clients_failures_from_one_address_are_capped_per_hour(
    app: FastAPI, from_ip: Any, clock: ManualClock
) -> None:
    live = await make_client(app, environment="live")
    neighbour = await make_client(app, environment="live")
    spraying, elsewhere = from_ip("203.0.113.7"), from_ip("198.51.100.2")
    for i in range(4):  # the setting in this module
        await fail(spraying, live, f"user-{i}", f"user_good+{i}", utility_id=TWIN)
    refused = await try_sign_in(spraying, live, "user-9", "user_good", "pass_good", TWIN)
    assert isinstance(refused, httpx.Response)
    assert "your network" in str(assert_error(refused, 429, "rate_limited")["message"])
    assert 0 < int(refused.headers["retry-after"]) <= 3600
    for api, by in ((elsewhere, live), (spraying, neighbour)):
        result = await try_sign_in(api, by, "user-9", "user_good", "pass_good", TWIN)
        assert isinstance(result, dict)
        assert result["status"] == "verified"
    clock.advance(timedelta(hours=1, seconds=1))
    later = await try_sign_in(spraying, live, "user-10", "user_good+x", "pass_good", TWIN)
    assert isinstance(later, dict)
    assert later["status"] == "verified"


async def test_a_live_client_has_a_ceiling_against_spraying(app: FastAPI, from_ip: Any) -> None:
    live = await make_client(app, environment="live")
    neighbour = await make_client(app, environment="live")
    for i in range(7):  # the setting in this module, each from its own address
        await fail(from_ip(f"192.0.2.{i}"), live, f"user-{i}", f"user_good+{i}", utility_id=TWIN)
    refused = await try_sign_in(from_ip("192.0.2.99"), live, "new", "user_good", "pass_good", TWIN)
    assert isinstance(refused, httpx.Response)
    assert "this app" in str(assert_error(refused, 429, "rate_limited")["message"])
    other = await try_sign_in(
        from_ip("192.0.2.99"), neighbour, "new", "user_good", "pass_good", TWIN
    )
    assert isinstance(other, dict)
    assert other["status"] == "verified"


async def test_sandbox_clients_have_no_spraying_ceilings(app: FastAPI, from_ip: Any) -> None:
    """Sandbox utilities are fictional; a ceiling on a shared sandbox client would only let one
    visitor block the others."""
    client = await make_client(app)
    api = from_ip("203.0.113.7")
    for i in range(8):  # past both ceilings of this module
        await fail(api, client, f"visitor-{i}", f"user_good+{i}")
    result = await try_sign_in(api, client, "visitor-9", "user_good", "pass_good")
    assert isinstance(result, dict)
    assert result["status"] == "verified"


async def test_the_right_password_clears_the_logins_failures(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    for _ in range(limits.MAX_FAILED_PER_LOGIN - 1):
        await fail(api, client, "forgetful", "user_good")
    good = await try_sign_in(api, client, "forgetful", "user_good", "pass_good")
    assert isinstance(good, dict)
    assert good["status"] == "verified"
    await fail(api, client, "forgetful", "user_good")  # counted again from zero: one
    again = await try_sign_in(api, client, "forgetful", "user_good", "pass_good")
    assert isinstance(again, dict)
    assert again["status"] == "verified"


async def test_the_login_limit_says_when_to_come_back(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    for _ in range(limits.MAX_FAILED_PER_LOGIN):
        await fail(api, client, "u", "user_locked")
        clock.advance(timedelta(hours=1))
    refused = await try_sign_in(api, client, "u", "user_locked", "pass_good")
    assert isinstance(refused, httpx.Response)
    assert_error(refused, 429, "rate_limited")
    # The oldest failure leaves the 24-hour window 19 hours from now.
    assert int(refused.headers["retry-after"]) == 19 * 3600
    clock.advance(timedelta(hours=19, seconds=1))
    allowed = await try_sign_in(api, client, "u", "user_locked", "pass_good")
    assert isinstance(allowed, dict)  # not refused up front; the utility says locked
    assert allowed["status_detail"] == "ACCOUNT_LOCKED"


async def test_failures_and_codes_older_than_a_day_are_purged(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    await fail(api, client, "u", "user_good")
    token = await connect_token(api, client, client_user_id="u", utility_id=SANDBOX)
    widget = await open_session(api, token)
    await widget.follow(await widget.submit("user_mfa_sms"), {"mfa_code"})  # one code sent

    async def rows() -> int:
        async with app.state.db.transaction(write=False) as session:
            failures = await session.scalar(select(func.count()).select_from(LoginFailure))
            codes = await session.scalar(select(func.count()).select_from(MfaCodeEvent))
        return int(failures or 0) + int(codes or 0)

    async def purge() -> int:
        async with app.state.db.transaction() as session:
            return await limits.purge_expired(session, clock)

    assert await rows() == 2
    clock.advance(timedelta(hours=23))
    assert (await purge(), await rows()) == (0, 2)
    clock.advance(timedelta(hours=1, seconds=1))
    assert (await purge(), await rows()) == (2, 0)
