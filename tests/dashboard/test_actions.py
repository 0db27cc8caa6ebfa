"""Operators acting on credentials from the dashboard: each action does what the matching /v1
call does (same rows, same events) and nothing beyond the operator's role (both databases)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from gridlink import Settings, create_app
from gridlink.kit.clock import ManualClock
from gridlink.kit.db import Database
from gridlink.models import DataKey
from gridlink.operators.principal import Role
from tests.dashboard.helpers import get_json, signed_in
from tests.factories import TestClient, assert_error, make_client
from tests.lifespan import running
from tests.sync.conftest import sync_settings
from tests.sync.helpers import verify, wait_until_synced


@pytest.fixture
def settings(db_url: str, tmp_path: Path) -> Settings:
    return sync_settings(db_url, tmp_path)


@pytest.fixture
async def app(settings: Settings, clock: ManualClock) -> AsyncIterator[FastAPI]:
    async with running(create_app(settings, clock=clock)) as application:
        yield application


async def linked(app: FastAPI, api: httpx.AsyncClient) -> tuple[TestClient, str]:
    client = await make_client(app)
    credential_id = await verify(api, client, user="end-user-1")
    await wait_until_synced(api, client, credential_id)
    return client, credential_id


async def vault_records(app: FastAPI, owner: str) -> int:
    db: Database = app.state.db
    async with db.transaction(write=False) as session:
        return int(
            await session.scalar(
                select(func.count()).select_from(DataKey).where(DataKey.record_id == owner)
            )
            or 0
        )


async def test_a_credentials_page_shows_its_data_events_and_links(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client, credential_id = await linked(app, api)
    async with signed_in(app, Role.SUPPORT) as operator:
        made = await operator.post(f"/dashboard/api/credentials/{credential_id}/links")
        assert made.status_code == 201, made.text
        detail = await get_json(operator, f"/dashboard/api/credentials/{credential_id}")
        pdf = await operator.get(detail["statements"][0]["pdf_url"])
    credential = detail["credential"]
    assert (credential["id"], credential["client_id"]) == (credential_id, client.id)
    assert credential["client_user_id"] == "end-user-1"
    assert credential["status"] == "verified"
    assert credential["sync"]["state"] == "scheduled"
    assert detail["data_state"] == "ready"
    assert len(detail["accounts"]) >= 1
    assert len(detail["meters"]) >= 1
    assert 1 <= len(detail["statements"]) <= 12
    ends = [s["period_end"] for s in detail["statements"]]
    assert ends == sorted(ends, reverse=True)
    assert pdf.status_code == 200
    assert pdf.content.startswith(b"%PDF")
    usage = detail["usage"]
    assert usage["meter_id"] == detail["meters"][0]["id"]
    days = [date.fromisoformat(day["date"]) for day in usage["days"]]
    # The last 30 local days, consecutive; today's readings may not have come yet.
    assert days == [days[0] + timedelta(days=i) for i in range(len(days))]
    assert len(days) in (29, 30)
    assert sum(day["value"] for day in usage["days"]) > 0
    types = [e["type"] for e in detail["events"]]
    assert "utility_credential_verified" in types
    stamps = [e["created_at"] for e in detail["events"]]
    assert stamps == sorted(stamps, reverse=True)
    assert [(link["id"], link["status"]) for link in detail["links"]] == [
        (made.json()["id"], "active")
    ]


async def test_an_update_link_lasts_72_hours_and_can_be_revoked(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    _client, credential_id = await linked(app, api)
    async with signed_in(app, Role.SUPPORT) as operator:
        answer = await operator.post(f"/dashboard/api/credentials/{credential_id}/links")
        assert answer.status_code == 201, answer.text
        made = answer.json()
        assert made["status"] == "active"
        assert "/connect/link?client=" in made["url"]
        assert "#token=glcl_sandbox_" in made["url"]
        expires = datetime.fromisoformat(made["expires_at"])
        assert expires - clock.now() == timedelta(hours=72)
        revoked = await operator.post(f"/dashboard/api/links/{made['id']}/revoke")
        assert revoked.status_code == 204
        detail = await get_json(operator, f"/dashboard/api/credentials/{credential_id}")
        assert [link["status"] for link in detail["links"]] == ["revoked"]
        # The revoked link no longer opens Connect.
        token = made["url"].split("#token=", 1)[1]
        opened = await api.post("/connect/api/sessions", json={"connect_link_token": token})
        assert opened.status_code == 401, opened.text


async def test_retry_mfa_gives_an_update_mode_token_for_that_credential(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client, credential_id = await linked(app, api)
    async with signed_in(app, Role.SUPPORT) as operator:
        answer = await operator.post(f"/dashboard/api/credentials/{credential_id}/connect")
        assert answer.status_code == 200, answer.text
        body = answer.json()
        assert body["mode"] == "update"
        assert body["client_id"] == client.id
        assert body["connect_token"].startswith("glct_sandbox_")
        submitted = await operator.post(
            "/dashboard/api/connect", json={"client_id": client.id, "client_user_id": "new-user"}
        )
        assert submitted.status_code == 200, submitted.text
        assert submitted.json()["mode"] == "create"


async def test_refresh_and_delete_do_what_the_api_does(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client, credential_id = await linked(app, api)
    assert await vault_records(app, credential_id) == 1
    async with signed_in(app, Role.SUPPORT) as operator:
        refreshed = await operator.post(f"/dashboard/api/credentials/{credential_id}/refresh")
        assert refreshed.status_code == 202, refreshed.text
        assert refreshed.json()["kind"] == "requested"
        deleted = await operator.delete(f"/dashboard/api/credentials/{credential_id}")
        assert deleted.status_code == 204
        assert_error(
            await operator.get(f"/dashboard/api/credentials/{credential_id}"), 404, "not_found"
        )
    gone = await api.get(f"/v1/utility_credentials/{credential_id}", auth=client.auth)
    assert_error(gone, 404, "not_found")
    assert await vault_records(app, credential_id) == 0  # shredded, as DELETE /v1 does


async def test_deleting_a_user_sends_the_same_event_as_the_api(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client, _credential_id = await linked(app, api)
    async with signed_in(app, Role.SUPPORT) as operator:
        users = await get_json(operator, "/dashboard/api/users", client_id=client.id)
        assert [(u["client_user_id"], u["credentials"]) for u in users["data"]] == [
            ("end-user-1", 1)
        ]
        deleted = await operator.delete(f"/dashboard/api/users/{client.id}/end-user-1")
        assert deleted.status_code == 204
    events = (await api.get("/v1/events", params={"type": "user_deleted"}, auth=client.auth)).json()
    assert [e["data"]["client_user_id"] for e in events["data"]] == ["end-user-1"]
    assert_error(await api.get("/v1/users/end-user-1", auth=client.auth), 404, "not_found")
