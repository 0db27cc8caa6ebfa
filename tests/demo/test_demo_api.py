"""/demo and its backend (/demo/api): acts for the demo's own sandbox client, only for the
browser's own demo user, and never with a secret in the browser."""

from __future__ import annotations

import re
from typing import Any

import httpx
import pytest
from fastapi import FastAPI

from gridlink import Settings, create_app
from gridlink.clients.service import DEMO_CLIENT_ID
from gridlink.demo.service import ensure_demo_client
from gridlink.kit.clock import ManualClock
from tests.attempts.flows import open_session
from tests.attempts.test_scenarios import _after, _mfa
from tests.demo.conftest import BrowserFactory
from tests.factories import TestClient, assert_error, make_client

JSON = {"Content-Type": "application/json"}


async def demo_post(api: httpx.AsyncClient, path: str, body: dict[str, Any]) -> httpx.Response:
    return await api.post(f"/demo/api/{path}", json=body)


async def link_with_demo(api: httpx.AsyncClient, username: str = "user_good") -> dict[str, Any]:
    """What the demo page does: token from its backend, Connect (here through the widget API),
    then the authorization code back to its backend."""
    made = await demo_post(api, "connect_token", {})
    assert made.status_code == 200, made.text
    widget = await open_session(api, made.json()["connect_token"])
    chosen = await widget.post("/session/utility", {"utility_id": "sandbox_electric"})
    assert chosen.status_code == 200, chosen.text
    attempt = await widget.follow(await widget.submit(username))
    assert attempt["status"] == "verified", attempt
    done = await widget.post(f"/attempts/{attempt['id']}/complete")
    assert done.status_code == 200, done.text
    exchanged = await demo_post(
        api, "exchange", {"authorization_code": done.json()["authorization_code"]}
    )
    assert exchanged.status_code == 200, exchanged.text
    return dict(exchanged.json())


async def my_user(api: httpx.AsyncClient) -> str:
    status = await api.get("/demo/api/status")
    assert status.status_code == 200, status.text
    user: str = status.json()["client_user_id"]
    return user


@pytest.fixture
async def sandbox(app: FastAPI) -> TestClient:
    """The integrator's sandbox client (the banner's): the demo must never act for it."""
    await make_client(app, name="Live app", environment="live", origins=["https://live.example"])
    return await make_client(app, name="Sandbox app", origins=["http://testserver"])


async def test_the_page_and_its_files_carry_a_strict_csp_and_no_inline_script(
    api: httpx.AsyncClient,
) -> None:
    page = await api.get("/demo")
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    csp = page.headers["content-security-policy"]
    assert "script-src 'self';" in csp
    assert "frame-ancestors 'none'" in csp
    assert "unsafe-inline" not in csp
    assert page.headers["x-content-type-options"] == "nosniff"
    html = page.text
    assert '<script src="/connect.js"' in html
    assert "<script>" not in html
    assert "style=" not in html
    js = await api.get("/demo/static/demo.js")
    assert js.status_code == 200
    assert js.headers["content-type"].startswith("text/javascript")
    assert "Gridlink.create" in js.text
    css = await api.get("/demo/static/demo.css")
    assert css.headers["content-type"].startswith("text/css")
    assert_error(await api.get("/demo/static/index.html"), 404, "not_found")
    assert_error(await api.get("/demo/static/..%2F..%2Fconfig.py"), 404, "not_found")


async def test_status_names_the_demo_client_and_whether_the_origin_may_embed(
    api: httpx.AsyncClient, sandbox: TestClient
) -> None:
    ok = await api.get("/demo/api/status", params={"origin": "http://testserver"})
    assert ok.status_code == 200, ok.text
    body = ok.json()
    assert body["client_id"] == DEMO_CLIENT_ID != sandbox.id
    assert re.fullmatch(r"demo-[0-9a-f-]{36}", body["client_user_id"])
    assert body["origin_allowed"] is True
    assert body["sandbox_offset_seconds"] == 0
    assert ok.headers["cache-control"] == "no-store"
    other = await api.get("/demo/api/status", params={"origin": "http://evil.example"})
    assert other.json()["origin_allowed"] is False


async def test_without_its_client_the_demo_says_how_to_get_one(
    app: FastAPI, browser: BrowserFactory, sandbox: TestClient
) -> None:
    """Another sandbox client existing changes nothing: the demo never borrows it."""
    api = await browser()
    error = assert_error(await api.get("/demo/api/status"), 404, "not_found")
    assert "gridlink serve" in str(error["message"])
    made = await demo_post(api, "connect_token", {})
    assert_error(made, 404, "not_found")


async def test_a_full_connection_through_the_demo_backend(
    api: httpx.AsyncClient, sandbox: TestClient
) -> None:
    credential = await link_with_demo(api)
    assert credential["status"] == "verified"
    assert credential["client_user_id"] == await my_user(api)
    assert credential["utility"]["id"] == "sandbox_electric"
    listed = await api.get("/demo/api/credentials")
    assert [c["id"] for c in listed.json()["data"]] == [credential["id"]]
    # It belongs to the demo's client: the integrator's sandbox client cannot see it.
    real = await api.get(f"/v1/utility_credentials/{credential['id']}", auth=sandbox.auth)
    assert_error(real, 404, "not_found")


async def test_a_code_exchanges_once_and_only_in_its_own_browser(
    api: httpx.AsyncClient, browser: BrowserFactory
) -> None:
    made = await demo_post(api, "connect_token", {})
    widget = await open_session(api, made.json()["connect_token"])
    await widget.post("/session/utility", {"utility_id": "sandbox_electric"})
    attempt = await widget.follow(await widget.submit("user_good"))
    code = (await widget.post(f"/attempts/{attempt['id']}/complete")).json()["authorization_code"]
    stranger = await browser()
    taken = await demo_post(stranger, "exchange", {"authorization_code": code})
    assert_error(taken, 404, "not_found")  # refused, and rolled back: the code still works
    mine = {"authorization_code": code}
    assert (await demo_post(api, "exchange", mine)).status_code == 200
    assert_error(await demo_post(api, "exchange", mine), 400, "invalid_grant")


async def test_update_mode_and_connect_links_only_for_the_users_own_credential(
    api: httpx.AsyncClient, browser: BrowserFactory
) -> None:
    credential = await link_with_demo(api)
    own = {"utility_credential_id": credential["id"]}
    update = await demo_post(api, "connect_token", own)
    assert update.status_code == 200, update.text
    assert update.json()["mode"] == "update"
    assert update.json()["connect_token"].startswith("glct_sandbox_")
    other = await browser()
    assert_error(await demo_post(other, "connect_token", own), 404, "not_found")
    assert_error(await demo_post(other, "connect_link", own), 404, "not_found")
    link = await demo_post(api, "connect_link", own)
    assert link.status_code == 200, link.text
    assert link.json()["url"].startswith(
        f"http://127.0.0.1:8080/connect/link?client={DEMO_CLIENT_ID}#token=glcl_sandbox_"
    )


async def test_moving_the_clock_expires_an_mfa_session_and_leaves_other_clients_alone(
    api: httpx.AsyncClient, sandbox: TestClient
) -> None:
    made = await demo_post(api, "connect_token", {})
    widget = await open_session(api, made.json()["connect_token"])
    await widget.post("/session/utility", {"utility_id": "sandbox_electric"})
    attempt = await widget.follow(
        await widget.submit("user_mfa_expiring"), {"mfa_method", "mfa_code"}
    )
    if attempt["status"] == "mfa_method":
        option = attempt["mfa"]["options"][0]["id"]
        chosen = await widget.post(f"/attempts/{attempt['id']}/mfa/option", {"option_id": option})
        attempt = await _after(widget, chosen.json(), attempt["seq"])
    assert (await _mfa(widget, attempt, "123456"))["status"] == "verified"

    moved = await demo_post(api, "clock", {"advance_seconds": 3600})
    assert moved.status_code == 200, moved.text
    assert moved.json()["sandbox_offset_seconds"] == 3600
    theirs = await api.get("/v1/sandbox/clock", auth=sandbox.auth)
    assert theirs.json()["offset_seconds"] == 0  # the integrator's sandbox clock never moves
    listed = await api.get("/demo/api/credentials")
    [credential] = listed.json()["data"]
    assert credential["status"] == "rejected"
    assert credential["status_detail"] == "MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED"
    assert credential["action_required"] is True


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("connect_token", {"utility_credential_id": "x" * 41}),
        ("connect_token", {"user": "demo-a"}),
        ("clock", {"advance_seconds": 0}),
        ("exchange", {}),
    ],
)
async def test_bad_input_is_refused(
    api: httpx.AsyncClient, path: str, body: dict[str, Any]
) -> None:
    assert_error(await demo_post(api, path, body), 422, "invalid_request")


async def test_calls_must_be_json_so_other_sites_cannot_post_forms(
    api: httpx.AsyncClient,
) -> None:
    form = await api.post(
        "/demo/api/connect_token", content=b"{}", headers={"Content-Type": "text/plain"}
    )
    assert_error(form, 422, "invalid_request")


async def test_gridlink_demo_false_turns_every_demo_path_off(
    settings: Settings, clock: ManualClock
) -> None:
    from asgi_lifespan import LifespanManager

    app = create_app(settings.model_copy(update={"demo": False}), clock=clock)
    async with LifespanManager(app):
        async with app.state.db.transaction() as session:
            await ensure_demo_client(session, clock, "http://testserver")
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as api:
            for path in ("/demo", "/demo/static/demo.js", "/demo/api/status"):
                assert_error(await api.get(path), 404, "not_found")
            made = await api.post("/demo/api/connect_token", json={}, headers=JSON)
            assert_error(made, 404, "not_found")
