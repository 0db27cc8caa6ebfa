"""The demo acts for nobody but the browser in front of it (issue 11, item 8).

Before: the demo minted connect tokens for the oldest sandbox client (the integrator's), read
any ``demo-*`` user's data and PDFs by naming the user, moved that client's clock, and was on
wherever the server listened. Now: its own client, one demo user per browser (a cookie), and
on by default only on a local server."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from asgi_lifespan import LifespanManager
from fastapi import FastAPI

from gridlink import Settings, create_app
from gridlink.clients.repository import ClientRepository
from gridlink.clients.service import DEMO_CLIENT_ID, ensure_sandbox_client
from gridlink.demo.browser import COOKIE
from gridlink.demo.service import ensure_demo_client
from gridlink.kit.clock import ManualClock
from tests.attempts.flows import open_session
from tests.conftest import TEST_MASTER_KEYS
from tests.demo.conftest import BrowserFactory
from tests.demo.test_demo_api import demo_post, link_with_demo, my_user
from tests.factories import assert_error

GRIDLINK = str(Path(sys.executable).parent / "gridlink")
API_CALLS = [
    ("GET", "/demo/api/status", None),
    ("GET", "/demo/api/credentials", None),
    ("GET", "/demo/api/data?utility_credential_id=ucr_x", None),
    ("GET", "/demo/api/usage?meter_id=mtr_x", None),
    ("GET", "/demo/api/statements/stm_x/pdf", None),
    ("POST", "/demo/api/connect_token", {}),
    ("POST", "/demo/api/exchange", {"authorization_code": "glac_sandbox_x"}),
    ("POST", "/demo/api/clock", {"advance_seconds": 60}),
    ("POST", "/demo/api/connect_link", {"utility_credential_id": "ucr_x"}),
]


async def test_two_browsers_cannot_see_or_act_on_each_others_demo_user(
    demo: None, browser: BrowserFactory
) -> None:
    alice, eve = await browser(), await browser()
    alice_user, eve_user = await my_user(alice), await my_user(eve)
    assert alice_user != eve_user
    credential = await link_with_demo(alice)
    assert credential["client_user_id"] == alice_user

    # Eve sees nothing of Alice's...
    assert (await eve.get("/demo/api/credentials")).json()["data"] == []
    own = {"utility_credential_id": credential["id"]}
    assert_error(await eve.get("/demo/api/data", params=own), 404, "not_found")
    # ...cannot act on it...
    assert_error(await demo_post(eve, "connect_token", own), 404, "not_found")
    assert_error(await demo_post(eve, "connect_link", own), 404, "not_found")
    # ...and naming Alice in the body (what the old API took) acts for Eve, not Alice.
    made = await demo_post(eve, "connect_token", {"client_user_id": alice_user})
    assert made.status_code == 200, made.text
    widget = await open_session(eve, made.json()["connect_token"])
    await widget.post("/session/utility", {"utility_id": "sandbox_electric"})
    attempt = await widget.follow(await widget.submit("user_good"))
    done = await widget.post(f"/attempts/{attempt['id']}/complete")
    code = done.json()["authorization_code"]
    assert_error(await demo_post(alice, "exchange", {"authorization_code": code}), 404, "not_found")
    exchanged = await demo_post(eve, "exchange", {"authorization_code": code})
    assert exchanged.json()["client_user_id"] == eve_user
    alices = (await alice.get("/demo/api/credentials")).json()["data"]
    assert [c["id"] for c in alices] == [credential["id"]]


async def test_a_browser_without_its_cookie_is_refused_everywhere(demo: None, app: FastAPI) -> None:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    for cookies in ({}, {COOKIE: "demo-guess"}, {COOKIE: "x" * 42}):
        async with httpx.AsyncClient(
            transport=transport, base_url="http://testserver", cookies=cookies
        ) as stranger:
            for method, path, body in API_CALLS:
                answer = await stranger.request(method, path, json=body)
                assert_error(answer, 403, "forbidden")


async def test_the_cookie_is_http_only_same_site_strict_and_scoped_to_the_demo(
    demo: None, app: FastAPI, settings: Settings
) -> None:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as fresh:
        first = await fresh.get("/demo")
        set_cookie = first.headers["set-cookie"]
        assert set_cookie.startswith(f"{COOKIE}=")
        for attribute in ("HttpOnly", "Path=/demo", "SameSite=strict"):
            assert attribute.lower() in set_cookie.lower(), set_cookie
        assert "secure" not in set_cookie.lower()  # http://testserver: a Secure cookie is lost
        again = await fresh.get("/demo")
        assert "set-cookie" not in again.headers  # the same browser keeps its user
    app.state.settings = settings.model_copy(
        update={"public_url": "https://connect.example.com", "demo": True}
    )
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as fresh:
        assert "secure" in (await fresh.get("/demo")).headers["set-cookie"].lower()


async def test_the_demo_never_uses_or_moves_the_integrators_sandbox_client(
    app: FastAPI, clock: ManualClock
) -> None:
    """Whichever is made first: the banner's client is the integrator's, the demo has its own."""
    async with app.state.db.transaction() as session:
        await ensure_demo_client(session, clock, "http://127.0.0.1:8080")
        banner = await ensure_sandbox_client(session, clock, "http://127.0.0.1:8080")
        assert banner.secret is not None  # the integrator's client was still made
        assert banner.client_id != DEMO_CLIENT_ID
        again = await ensure_sandbox_client(session, clock, "http://127.0.0.1:8080")
        assert again.client_id == banner.client_id
        await ensure_demo_client(session, clock, "http://localhost:9000")  # a restart elsewhere
        demo = await ClientRepository(session).get(DEMO_CLIENT_ID)
        assert demo is not None
        assert demo.environment == "sandbox"
        assert demo.allowed_origins == ["http://localhost:9000"]


@pytest.mark.parametrize(
    ("update", "enabled"),
    [
        ({}, True),  # gridlink serve's default: 127.0.0.1
        ({"host": "::1"}, True),
        ({"host": "0.0.0.0"}, False),  # noqa: S104
        ({"host": "127.0.0.1", "public_url": "https://connect.example.com"}, False),  # a proxy
        ({"host": "0.0.0.0", "demo": True}, True),  # noqa: S104
        ({"demo": False}, False),
    ],
)
async def test_the_demo_is_on_by_default_only_on_a_local_server(
    settings: Settings, clock: ManualClock, update: dict[str, object], enabled: bool
) -> None:
    app = create_app(settings.model_copy(update=update), clock=clock)
    async with LifespanManager(app):
        async with app.state.db.transaction() as session:
            await ensure_demo_client(session, clock, "http://testserver")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
            page = await api.get("/demo")
            status = await api.get("/demo/api/status")
    if enabled:
        assert page.status_code == 200
        assert status.status_code == 200
    else:
        assert_error(page, 404, "not_found")
        assert_error(status, 404, "not_found")


# The real command ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


@contextmanager
def serving(tmp_path: Path, host: str) -> Iterator[tuple[int, str]]:
    port = _free_port()
    env = {
        **os.environ,
        "GRIDLINK_DATA_DIR": str(tmp_path / "data"),
        "GRIDLINK_MASTER_KEYS": TEST_MASTER_KEYS,
        "GRIDLINK_LOG_LEVEL": "warning",
    }
    env.pop("GRIDLINK_PUBLIC_URL", None)
    env.pop("GRIDLINK_DEMO", None)
    command = [GRIDLINK, "serve", "--host", host, "--port", str(port), "--no-worker"]
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, text=True)
    assert process.stdout is not None
    try:
        banner: list[str] = []
        for line in process.stdout:
            banner.append(line)
            if "get a new" in line or "/v1/auth/connect_token" in line:
                break
        yield port, "".join(banner)
    finally:
        process.terminate()
        process.wait(timeout=20)


@pytest.mark.slow
def test_gridlink_serve_prints_the_integrators_client_and_the_demo_uses_its_own(
    tmp_path: Path,
) -> None:
    with serving(tmp_path, "127.0.0.1") as (port, banner):
        assert "Demo app:" in banner
        printed = re.search(r"client_id:\s+(\S+)", banner)
        assert printed is not None
        assert printed.group(1) != DEMO_CLIENT_ID
        with httpx.Client(base_url=f"http://127.0.0.1:{port}") as browser:
            assert browser.get("/demo").status_code == 200
            status = browser.get("/demo/api/status").json()
        assert status["client_id"] == DEMO_CLIENT_ID


@pytest.mark.slow
def test_gridlink_serve_on_all_interfaces_has_no_demo(tmp_path: Path) -> None:
    with serving(tmp_path, "0.0.0.0") as (port, banner):  # noqa: S104
        assert "Demo app" not in banner  # printed once the server listens
        assert httpx.get(f"http://127.0.0.1:{port}/demo").status_code == 404
