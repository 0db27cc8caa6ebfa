"""A third party and a custodian, both real HTTP servers on loopback.

The third party is a tiny Starlette app: its ``/cb`` records the authorization answers a
browser is redirected to, its ``/notify`` records the BatchLists the custodian posts.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime

import httpx
import pytest
from authlib.common.security import generate_token
from authlib.integrations.httpx_client import AsyncOAuth2Client
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from gridlink.greenbutton.custodian import Registration, SandboxFeeds
from gridlink.greenbutton.custodian.testing import Served, serve_app, serve_custodian
from gridlink.kit.clock import ManualClock

NOW = datetime(2025, 3, 10, 15, 30, tzinfo=UTC)  # a day after the spring DST change
SECRET = "third-party-secret-1"


@dataclass
class ThirdParty:
    base_url: str = ""
    callbacks: list[dict[str, str]] = field(default_factory=list)
    notifications: list[tuple[str, bytes]] = field(default_factory=list)
    notify_status: int = 200

    @property
    def redirect_uri(self) -> str:
        return f"{self.base_url}/cb"

    def app(self) -> Starlette:
        async def callback(request: Request) -> Response:
            self.callbacks.append(dict(request.query_params))
            return PlainTextResponse("connected")

        async def notify(request: Request) -> Response:
            kind = request.headers.get("content-type", "")
            self.notifications.append((kind, await request.body()))
            return Response(status_code=self.notify_status)

        return Starlette(
            routes=[Route("/cb", callback), Route("/notify", notify, methods=["POST"])]
        )


@pytest.fixture
def third_party() -> Iterator[ThirdParty]:
    party = ThirdParty()

    def build(base_url: str) -> Starlette:
        party.base_url = base_url
        return party.app()

    with serve_app(build):
        yield party


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


def registration(party: ThirdParty, client_id: str = "third-party") -> Registration:
    return Registration(
        client_id=client_id,
        client_secret=SECRET,
        redirect_uris=(party.redirect_uri,),
        notify_uri=f"{party.base_url}/notify",
        name="Solar Savings Co.",
    )


@pytest.fixture
def custodian(third_party: ThirdParty, clock: ManualClock) -> Iterator[Served]:
    with serve_custodian(
        registrations=[registration(third_party), registration(third_party, "other-party")],
        feeds=SandboxFeeds(days=40),
        now=clock.now,
    ) as served:
        yield served


def oauth_client(
    party: ThirdParty, client_id: str = "third-party", secret: str = SECRET
) -> AsyncOAuth2Client:
    return AsyncOAuth2Client(
        client_id=client_id,
        client_secret=secret,
        redirect_uri=party.redirect_uri,
        scope=Registration("x", "x", ()).scope,
        code_challenge_method="S256",
    )


def form_token(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the consent page has no anti-forgery token"
    return found.group(1)


async def consent(
    authorize_url: str, *, customer: str = "customer-1", decision: str = "allow"
) -> httpx.Response:
    """A browser: open the consent page, press the button, follow the redirect."""
    async with httpx.AsyncClient(follow_redirects=True) as browser:
        page = await browser.get(authorize_url)
        assert page.status_code == 200, page.text
        return await browser.post(
            authorize_url,
            data={"csrf": form_token(page.text), "customer": customer, "decision": decision},
        )


@dataclass
class Connected:
    oauth: AsyncOAuth2Client
    token: dict[str, object]
    verifier: str


@asynccontextmanager
async def connected(
    served: Served,
    party: ThirdParty,
    *,
    customer: str = "customer-1",
    client_id: str = "third-party",
) -> AsyncIterator[Connected]:
    """The whole authorization-code + PKCE flow, as a third party runs it."""
    async with oauth_client(party, client_id) as oauth:
        yield await _connect(served, party, oauth, customer)


async def _connect(
    served: Served, party: ThirdParty, oauth: AsyncOAuth2Client, customer: str
) -> Connected:
    verifier = generate_token(48)
    url, _state = oauth.create_authorization_url(
        f"{served.base_url}/oauth/authorize", code_verifier=verifier
    )
    answer = await consent(url, customer=customer)
    assert answer.status_code == 200
    assert answer.text == "connected"
    token = await oauth.fetch_token(
        f"{served.base_url}/oauth/token",
        authorization_response=str(answer.url),
        code_verifier=verifier,
    )
    return Connected(oauth, dict(token), verifier)
