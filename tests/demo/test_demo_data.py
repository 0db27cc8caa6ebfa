"""The demo backend's data views (/demo/api/data, /usage, /statements/{id}/pdf): the data API's
answers for one demo end user, "syncing" while the first sync runs, and nobody else's data."""

from __future__ import annotations

import asyncio
import time
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from fastapi import FastAPI

from gridlink import Settings
from gridlink.clients.service import DEMO_CLIENT_ID, rotate_secret
from tests.demo.conftest import BrowserFactory
from tests.demo.test_demo_api import link_with_demo
from tests.factories import TestClient, assert_error


@pytest.fixture
async def sandbox(app: FastAPI, demo: None) -> TestClient:
    """The demo's own client, given a secret here so the test can read the same rows through
    the data API (an operator could do the same with `gridlink clients rotate-secret`)."""
    async with app.state.db.transaction() as session:
        made = await rotate_secret(session, app.state.clock, DEMO_CLIENT_ID, timedelta(0))
    return TestClient(DEMO_CLIENT_ID, made.client_secret)


async def demo_data(api: httpx.AsyncClient, credential_id: str) -> httpx.Response:
    return await api.get("/demo/api/data", params={"utility_credential_id": credential_id})


async def wait_until_ready(
    api: httpx.AsyncClient, credential_id: str, within: float = 60.0
) -> dict[str, Any]:
    deadline = time.monotonic() + within
    while True:
        answer = await demo_data(api, credential_id)
        assert answer.status_code == 200, answer.text
        body: dict[str, Any] = answer.json()
        # Ready, and the first backfill over: its later steps (runs of their own) may still be
        # going when the first data can be read.
        if body["state"] == "ready" and body["sync"]["state"] == "scheduled":
            return body
        assert time.monotonic() < deadline, f"never ready: {body}"
        await asyncio.sleep(0.05)


async def test_a_synced_credential_shows_its_accounts_meters_bills_and_usage(
    api: httpx.AsyncClient, sandbox: TestClient
) -> None:
    credential = await link_with_demo(api)
    body = await wait_until_ready(api, credential["id"])
    assert body["sync"]["state"] == "scheduled"
    assert body["sync"]["progress"] == 1
    # The same rows the data API gives the sandbox client for this credential.
    scope = {"utility_credential_id": credential["id"]}
    real_accounts = (await api.get("/v1/utility_accounts", params=scope, auth=sandbox.auth)).json()
    assert [a["id"] for a in body["accounts"]] == [a["id"] for a in real_accounts["data"]]
    [meter] = body["meters"]
    assert meter["unit"] == "kWh"
    real = (await api.get("/v1/utility_statements", params=scope, auth=sandbox.auth)).json()
    assert real["data"], "a one-month backfill has at least one bill"
    newest = max(real["data"], key=lambda s: s["period_end"])
    statements = body["statements"]
    assert statements[0]["id"] == newest["id"]
    assert Decimal(statements[0]["amount_due"]) == Decimal(newest["amount_due"])
    assert Decimal(statements[0]["new_charges"]) == Decimal(newest["new_charges"])
    assert statements[0]["usage_unit"] == newest["usage_unit"]
    periods = [s["period_end"] for s in statements]
    assert periods == sorted(periods, reverse=True)

    pdf = await api.get(statements[0]["pdf_url"])
    assert pdf.status_code == 200, pdf.text
    assert pdf.headers["content-type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    real_pdf = await api.get(f"/v1/utility_statements/{newest['id']}/pdf", auth=sandbox.auth)
    assert pdf.content == real_pdf.content

    usage = await api.get("/demo/api/usage", params={"meter_id": meter["id"]})
    assert usage.status_code == 200, usage.text
    series = usage.json()
    assert series["state"] == "ready"
    assert series["unit"] == "kWh"
    assert 0 < len(series["daily"]) <= 30
    assert 0 < len(series["monthly"]) <= 24
    assert all(len(p["label"]) == len("2026-03") for p in series["monthly"])
    # Each month's total is the sum of the data API's daily rollup over that local month.
    zone = ZoneInfo(series["time_zone"])
    days = await api.get(
        "/v1/utility_intervals",
        params={
            "meter_id": meter["id"],
            "start": series["monthly"][0]["start"],
            "end": (datetime.fromisoformat(series["daily"][-1]["start"]) + timedelta(days=2)),
            "resolution": "day",
            "direction": "delivered",
        },
        auth=sandbox.auth,
    )
    assert days.status_code == 200, days.text
    by_month: dict[str, float] = {}
    for day in days.json()["data"]:
        month = datetime.fromisoformat(day["start"]).astimezone(zone).strftime("%Y-%m")
        by_month[month] = by_month.get(month, 0.0) + day["value"]
    assert sorted(by_month) == [p["label"] for p in series["monthly"]]
    for point in series["monthly"]:
        assert point["value"] == pytest.approx(by_month[point["label"]], abs=1e-6)
    assert series["daily"][-1]["value"] == pytest.approx(days.json()["data"][-1]["value"])


async def test_another_browsers_credential_bills_and_meters_read_as_unknown(
    api: httpx.AsyncClient, browser: BrowserFactory
) -> None:
    credential = await link_with_demo(api)
    body = await wait_until_ready(api, credential["id"])
    [meter] = body["meters"]
    statement = body["statements"][0]
    other = await browser()
    assert_error(await demo_data(other, credential["id"]), 404, "not_found")
    assert_error(await other.get(statement["pdf_url"]), 404, "not_found")
    usage = await other.get("/demo/api/usage", params={"meter_id": meter["id"]})
    assert_error(usage, 404, "not_found")
    unknown = await api.get("/demo/api/statements/stm_nope/pdf")
    assert_error(unknown, 404, "not_found")


class TestWhileTheFirstSyncRuns:
    @pytest.fixture
    def settings(self, settings: Settings) -> Settings:
        return settings.model_copy(update={"sync_chunk_days": 1, "sync_chunk_pause_seconds": 30.0})

    async def test_data_unavailable_is_a_syncing_state_with_progress(
        self, api: httpx.AsyncClient, sandbox: TestClient
    ) -> None:
        credential = await link_with_demo(api)
        deadline = time.monotonic() + 30
        while True:
            answer = await demo_data(api, credential["id"])
            assert answer.status_code == 200, answer.text
            body = answer.json()
            if body["sync"] and body["sync"]["state"] == "running" and body["sync"]["progress"] > 0:
                break
            assert time.monotonic() < deadline, body
            await asyncio.sleep(0.05)
        assert body["state"] == "syncing"
        assert body["retry_after_seconds"] == 30
        assert 0 < body["sync"]["progress"] < 1
        assert body["accounts"], "accounts are known from verification on"
        assert body["meters"] == []
        assert body["statements"] == []
        # The data API says the same with a 503.
        real = await api.get(
            "/v1/utility_meters",
            params={"utility_credential_id": credential["id"]},
            auth=sandbox.auth,
        )
        assert_error(real, 503, "data_unavailable")
        usage = await api.get("/demo/api/usage", params={"meter_id": "mtr_x"})
        assert usage.status_code == 200, usage.text
        assert usage.json()["state"] == "syncing"
