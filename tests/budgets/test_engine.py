"""The engine paces its connectors through the database: a connection attempt's login and a
sync's login each take one token of the utility's bucket per request the connector sends.

The connector is the sandbox with one twist: its login first calls a real HTTP server on
127.0.0.1 through ``context.http_client()``, as a connector over a utility's API does. The
budget row must count exactly the requests that server received.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import ClassVar

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from gridlink import Settings
from gridlink.connectors.base import ConnectorSession, Credentials, SessionToken
from gridlink.connectors.registry import ConnectorRegistry, default_registry
from gridlink.connectors.sandbox import SandboxConnector
from gridlink.kit.clock import ManualClock
from gridlink.kit.db import Database
from gridlink.models import UtilityRequestBudget
from gridlink.worker.registry import sandbox_settings
from tests.factories import make_client
from tests.lifespan import running_with_connectors
from tests.loopback import Site, site_fixture  # noqa: F401 - the fixture
from tests.sync.conftest import sync_settings
from tests.sync.helpers import verify, wait_until_synced


class CallingSandbox(SandboxConnector):
    """The sandbox, whose login first sends one request to ``url`` over the context's client."""

    url: ClassVar[str] = ""

    async def login(
        self, credentials: Credentials, *, session_token: SessionToken | None = None
    ) -> ConnectorSession:
        async with self.context.http_client() as client:
            (await client.get(self.url)).raise_for_status()
        return await super().login(credentials, session_token=session_token)


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    # One token a second and room for 100 at once: every take is counted, none waits.
    return sync_settings(db_url, tmp_path, request_budgets="sandbox=60/100")


@pytest.fixture
async def app(
    settings: Settings, clock: ManualClock, monkeypatch: pytest.MonkeyPatch, site: Site
) -> AsyncIterator[FastAPI]:
    calling = type("CallingSandbox", (CallingSandbox,), {"url": site.url("/page")})

    def connectors(server: Settings) -> ConnectorRegistry:
        return default_registry(
            builtins=[calling.with_settings(sandbox_settings(server))], discover=False
        )

    async with running_with_connectors(settings, clock, monkeypatch, connectors) as running:
        yield running


async def test_a_sign_in_and_a_sync_take_a_token_per_request(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock, site: Site
) -> None:
    client = await make_client(app)
    credential_id = await verify(api, client)  # the connection attempt logs in
    await wait_until_synced(api, client, credential_id)  # and so does the sync
    assert site.log == ["request /page", "request /page"]
    db: Database = app.state.db
    async with db.transaction(write=False) as session:
        full_at = await session.scalar(
            select(UtilityRequestBudget.full_at).where(
                UtilityRequestBudget.utility_id == "sandbox_electric"
            )
        )
    # The clock stood still: each take moved the bucket one second past it.
    assert full_at == clock.now().timestamp() + 2
