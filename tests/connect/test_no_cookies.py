"""Control 32 (security.md): Connect never depends on cookies. Browsers block or partition
third-party cookies in frames, so the session is the connect token traded for a bearer the UI
keeps in memory; nothing under /connect (connect.js, the frame and link pages, their assets, the
widget API) sets a cookie. This drives whole sandbox connections through every /connect route,
as the loader and the UI do, and checks every answer, errors included. (The demo page, outside
/connect, sets a cookie of its own; that is the demo's, not Connect's.)"""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute

from gridlink import Settings
from gridlink.api import build_router
from gridlink.greenbutton.custodian import SandboxFeeds
from gridlink.greenbutton.custodian.testing import serve_custodian
from gridlink.kit.clock import ManualClock
from tests.attempts.flows import FINISHED, WidgetSession, connect_token, open_session
from tests.attempts.test_update_and_links import _link as connect_link
from tests.connect.test_frames import frame, ticket_of
from tests.custodians.conftest import PUBLIC_URL, authorize, register, registration
from tests.factories import make_client
from tests.uploads.files import opower_csv

HOST = "https://app.acme.example"
LOADER = b"(()=>{window.Gridlink=window.Gridlink||{create(){}}})();\n"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The test UI build plus a loader, and the worker running sandbox sign-ins quickly."""
    assert settings.widget_dist_dir is not None
    (settings.widget_dist_dir / "connect.js").write_bytes(LOADER)
    return settings.model_copy(
        update={
            "run_worker": True,
            "worker_poll_seconds": 0.05,
            "connect_wait_seconds": 1.0,
            "connect_input_timeout_seconds": 3.0,
            "sandbox_slow_seconds": 2.0,
            "sandbox_timeout_seconds": 0.3,
            "attempt_lease_seconds": 5.0,
            "sync_history_months": 1,
            "public_url": PUBLIC_URL,  # the local Data Custodian's registered redirect URI
        }
    )


def connect_routes() -> list[APIRoute]:
    """Every route Connect serves: /connect.js and everything under /connect/."""

    def walk(router: Any) -> Iterator[Any]:
        for route in router.routes:
            inner = getattr(route, "original_router", None)
            yield from walk(inner) if inner is not None else [route]

    return [
        route
        for route in walk(build_router())
        if isinstance(route, APIRoute)
        and (route.path == "/connect.js" or route.path.startswith("/connect/"))
    ]


class Recorder:
    """Every answer the app gives this client, kept for inspection."""

    def __init__(self) -> None:
        self.responses: list[httpx.Response] = []

    async def __call__(self, response: httpx.Response) -> None:
        self.responses.append(response)

    def under_connect(self) -> list[httpx.Response]:
        return [
            r
            for r in self.responses
            if r.request.url.path == "/connect.js" or r.request.url.path.startswith("/connect/")
        ]


async def follow_to(widget: WidgetSession, attempt: dict[str, Any], *until: str) -> dict[str, Any]:
    reached = await widget.follow(attempt, {*until} | FINISHED)
    assert reached["status"] in until, reached
    return reached


async def connect_in_a_frame(api: httpx.AsyncClient, client_id: str, token: str) -> str:
    """The loader's and the framed page's requests; returns the verified credential's id."""
    assert (await api.get("/connect.js")).status_code == 200
    preflight = await api.options(
        "/connect/api/frames", headers={"Origin": HOST, "Access-Control-Request-Method": "POST"}
    )
    assert preflight.status_code == 204
    opened = await frame(api, token)
    assert opened.status_code == 200, opened.text
    page = await api.get("/connect/frame", params={"client": client_id})
    assert page.status_code == 200
    for asset in re.findall(r'(?:src|href)="(ui/[^"]+)"', page.text):
        assert (await api.get(f"/connect/{asset}")).status_code == 200
    started = await api.post(
        "/connect/api/sessions", json={"frame_ticket": ticket_of(opened.json()["frame_url"])}
    )
    assert started.status_code == 200, started.text
    body = started.json()
    widget = WidgetSession(api, body["session_token"], body["session"])
    assert (await widget.get("/session")).json()["step"] == "consent"
    consented = await widget.post(
        "/session/consent", {"consent_version": widget.data["consent_version"]}
    )
    assert consented.json()["step"] == "utility", consented.text
    assert (await widget.get("/utilities", q="sandbox")).status_code == 200
    chosen = await widget.post("/session/utility", {"utility_id": "sandbox_electric"})
    assert chosen.json()["step"] == "credentials", chosen.text

    attempt = await widget.submit("user_mfa_choice")
    attempt = await follow_to(widget, attempt, "mfa_method")
    option = attempt["mfa"]["options"][0]["id"]
    chose = await widget.post(f"/attempts/{attempt['id']}/mfa/option", {"option_id": option})
    attempt = await follow_to(widget, chose.json(), "mfa_code")
    resent = await widget.post(f"/attempts/{attempt['id']}/mfa/resend")
    assert resent.status_code == 200, resent.text
    code = await widget.post(f"/attempts/{attempt['id']}/mfa/code", {"code": "123456"})
    attempt = await follow_to(widget, code.json(), "verified")
    completed = await widget.post(f"/attempts/{attempt['id']}/complete")
    assert completed.status_code == 200, completed.text
    return str(attempt["utility_credential_id"])


async def test_no_connect_response_sets_a_cookie(
    app: FastAPI, settings: Settings, clock: ManualClock
) -> None:
    recorder = Recorder()
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(
        transport=transport, base_url="http://testserver", event_hooks={"response": [recorder]}
    ) as api:
        client = await make_client(app, origins=[HOST])
        token = await connect_token(api, client, client_user_id="user-1")
        credential_id = await connect_in_a_frame(api, client.id, token)

        # Another session: Back from the code screen, then Connect closed.
        second = await connect_token(
            api, client, client_user_id="user-2", utility_id="sandbox_electric"
        )
        other = await open_session(api, second)
        waiting = await follow_to(other, await other.submit("user_mfa_sms+2"), "mfa_code")
        back = await other.post(f"/attempts/{waiting['id']}/cancel")
        await follow_to(other, back.json(), "cancelled")
        assert (await other.post("/session/exit")).status_code == 204

        # A Green Button file uploaded in Connect, then completed.
        third = await connect_token(
            api, client, client_user_id="user-3", utility_id="sandbox_electric"
        )
        uploader = await open_session(api, third)
        await uploader.post(
            "/session/consent", {"consent_version": uploader.data["consent_version"]}
        )
        uploaded = await uploader.upload(opower_csv(date(2024, 5, 1), 2))
        assert uploaded.status_code == 200, uploaded.text
        done = await uploader.post(f"/attempts/{uploaded.json()['attempt_id']}/complete")
        assert done.status_code == 200, done.text

        # Green Button Connect: a trip to the local Data Custodian and back, then completed.
        with serve_custodian(
            registrations=[registration()], feeds=SandboxFeeds(days=3), now=clock.now
        ) as served:
            await register(app, served)
            fourth = await connect_token(
                api, client, client_user_id="user-4", utility_id="sandbox_electric"
            )
            authorizer = await open_session(api, fourth)
            authorized = await authorize(api, authorizer)
            assert authorized["status"] == "verified", authorized
            finished = await authorizer.post(f"/attempts/{authorized['id']}/complete")
            assert finished.status_code == 200, finished.text

        # A connect link, full page, in update mode.
        assert (await api.get("/connect/link", params={"client": client.id})).status_code == 200
        link = await connect_link(app, client.id, credential_id, clock)
        repair = await open_session(api, link, link=True)
        assert repair.data["mode"] == "update"

        # Refusals set nothing either.
        assert (await api.get("/connect/ui/main-unknown.js")).status_code == 404
        stranger = WidgetSession(api, "not-a-session", {})
        assert (await stranger.get("/session")).status_code == 401
        refused = await api.post("/connect/api/sessions", json={"connect_token": "glct_nope"})
        assert refused.status_code in (401, 422)

    answered = recorder.under_connect()
    for route in connect_routes():  # every Connect route was exercised
        assert any(
            r.request.method in route.methods and route.path_regex.match(r.request.url.path)
            for r in answered
        ), f"{route.methods} {route.path} was not called"
    with_cookies = [
        f"{r.request.method} {r.request.url.path} -> {r.status_code}: {r.headers['set-cookie']}"
        for r in answered
        if "set-cookie" in r.headers
    ]
    assert with_cookies == [], with_cookies
    assert len(answered) > 30
