"""Connect My Data end to end over HTTP: the app with its worker in-process, and the local Data
Custodian (Authlib's server, ESPI feeds) on a real loopback port. The custodian and the app
share one manual clock, so feeds grow and tokens expire when a test moves it."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from fastapi import FastAPI

from gridlink import Settings, create_app
from gridlink.custodians import service
from gridlink.greenbutton.custodian import Registration, SandboxFeeds
from gridlink.greenbutton.custodian.testing import Served, serve_custodian
from gridlink.kit.clock import ManualClock
from gridlink.kit.db import Database
from gridlink.kit.keyring import LiveRing
from tests.attempts.flows import WidgetSession, connect_token, open_session
from tests.conftest import TEST_MASTER_KEYS
from tests.factories import TestClient
from tests.lifespan import running

NOW = datetime(2025, 3, 10, 15, 30, tzinfo=UTC)
PUBLIC_URL = "http://testserver"
CLIENT_ID = "gridlink-test"
CLIENT_SECRET = "custodian-client-secret-7Hq2"
UTILITY = "sandbox_electric"
SCOPE = (
    "FB=1_3_4_5_13_14_15_39;IntervalDuration=3600;BlockDuration=Daily;"
    "HistoryLength=34128000;SubscriptionFrequency=Daily;AccountCollection=1;"
)


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(NOW)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return Settings(
        database_url=db_url,
        data_dir=tmp_path / "data",
        public_url=PUBLIC_URL,
        migrate_on_start=False,
        run_worker=True,
        worker_poll_seconds=0.05,
        master_keys=TEST_MASTER_KEYS,  # type: ignore[arg-type]
        connect_wait_seconds=5.0,
        attempt_lease_seconds=10.0,
        sync_history_months=1,
    )


@pytest.fixture
async def app(settings: Settings, clock: ManualClock) -> AsyncIterator[FastAPI]:
    application = create_app(settings, clock=clock)
    async with running(application):
        yield application


@pytest.fixture
async def api(app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url=PUBLIC_URL) as client:
        yield client


def registration() -> Registration:
    """Gridlink as the custodian knows it (the app's public URL is ``PUBLIC_URL``)."""
    return Registration(
        client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        redirect_uris=(f"{PUBLIC_URL}/connect/green_button/callback",),
        notify_uri=None,
        scope=SCOPE,
        name="Acme Energy",
    )


@pytest.fixture
def custodian(clock: ManualClock) -> Iterator[Served]:
    with serve_custodian(
        registrations=[registration()],
        feeds=SandboxFeeds(days=20),
        now=clock.now,
        require_pkce=True,
        access_token_seconds=3600,
    ) as served:
        yield served


async def register(app: FastAPI, served: Served, *, secret: str = CLIENT_SECRET) -> str:
    """``gridlink green-button add-custodian``, in-process."""
    db: Database = app.state.db
    ring = LiveRing(app.state.vault.keys)
    given = service.CustodianIn(
        utility_id=UTILITY,
        name="Sandbox Green Button",
        oauth_client_id=CLIENT_ID,
        client_secret=secret,
        authorization_endpoint=f"{served.base_url}/oauth/authorize",
        token_endpoint=f"{served.base_url}/oauth/token",
        resource_endpoint=f"{served.base_url}/espi/1_1/resource",
        scope=SCOPE,
    )
    async with db.transaction() as session:
        custodian = await service.add_custodian(session, app.state.clock, ring, given)
        return custodian.id


async def widget_session(
    api: httpx.AsyncClient, client: TestClient, user: str = "user-1"
) -> WidgetSession:
    token = await connect_token(api, client, client_user_id=user, utility_id=UTILITY)
    return await open_session(api, token)


def _form_token(page: str) -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', page)
    assert found, "the consent page has no anti-forgery token"
    return found.group(1)


@dataclass
class Trip:
    authorization_id: str
    authorization_url: str
    callback: httpx.Response | None = None


async def start_trip(widget: WidgetSession) -> Trip:
    started = await widget.post("/green_button/authorizations", {})
    assert started.status_code == 201, started.text
    body = started.json()
    return Trip(body["authorization_id"], body["authorization_url"])


async def consent_at_custodian(url: str, decision: str = "allow") -> str:
    """The end user's browser at the custodian: the consent page, the button; returns where
    the custodian redirects (our callback URL with code and state, or an error)."""
    async with httpx.AsyncClient(follow_redirects=False) as browser:
        page = await browser.get(url)
        assert page.status_code == 200, page.text
        answer = await browser.post(
            url,
            data={"csrf": _form_token(page.text), "customer": "customer-1", "decision": decision},
        )
        assert answer.status_code in (302, 303), answer.text
        return answer.headers["location"]


async def return_to_gridlink(api: httpx.AsyncClient, location: str) -> httpx.Response:
    parts = urlsplit(location)
    assert f"{parts.scheme}://{parts.netloc}" == PUBLIC_URL, location
    return await api.get(f"{parts.path}?{parts.query}")


async def authorize(api: httpx.AsyncClient, widget: WidgetSession) -> dict[str, Any]:
    """The whole trip; returns the verified attempt."""
    trip = await start_trip(widget)
    page = await return_to_gridlink(api, await consent_at_custodian(trip.authorization_url))
    assert page.status_code == 200, page.text
    status = await widget.get(f"/green_button/authorizations/{trip.authorization_id}")
    assert status.json()["status"] == "authorized", status.text
    attempt = await widget.get(f"/attempts/{status.json()['attempt_id']}", wait=0)
    return await widget.follow(attempt.json())


async def registered_id(app: FastAPI) -> str:
    from gridlink.custodians.repository import CustodianRepository

    db: Database = app.state.db
    async with db.transaction(write=False) as session:
        found = await CustodianRepository(session).for_utility(UTILITY)
        assert found is not None
        return found.id


async def sealed_tokens(app: FastAPI, credential_id: str) -> Any:
    """The credential's tokens as the vault holds them (the test opens the vault as the
    worker does)."""
    from gridlink.custodians.grants import open_tokens
    from gridlink.models import UtilityCredential

    db: Database = app.state.db
    async with db.transaction(write=False) as session:
        row = await session.get(UtilityCredential, credential_id)
        assert row is not None
        return await open_tokens(session, app.state.vault, row)
