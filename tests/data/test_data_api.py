"""The data API over HTTP: filters, pagination, tenant isolation, PDFs, data_unavailable."""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from gridlink.connectors.models import Statement
from gridlink.connectors.sandbox import statements as sandbox_statements
from gridlink.data import service
from gridlink.data.files import FileStore
from gridlink.kit.clock import Clock
from gridlink.kit.db import Database
from gridlink.models import UtilityCredential, UtilityIntervalDay
from tests.data.helpers import Seeded, account, quarter_hours, sandbox_meter, seed, utc
from tests.factories import TestClient, assert_error, make_client


def _statements(count: int = 3) -> list[Statement]:
    meter = sandbox_meter()
    periods = sandbox_statements.periods(meter, date(2025, 6, 30), count)
    return [sandbox_statements.statement(meter, p, header=("Sandbox", "Bill")) for p in periods]


async def _store_statements(app: FastAPI, seeded: Seeded, statements: list[Statement]) -> None:
    db: Database = app.state.db
    clock: Clock = app.state.clock
    files = FileStore(app.state.settings.resolved_files_dir())
    async with db.transaction() as session:
        await service.upsert_statements(session, clock, files, seeded.meter_id, statements)


async def _get(
    api: httpx.AsyncClient, client: TestClient, path: str, **params: object
) -> httpx.Response:
    return await api.get(path, params=params, auth=client.auth)


async def test_lists_filter_by_user_and_credential_and_isolate_clients(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    acme = await make_client(app)
    other = await make_client(app, name="Other Energy")
    alice = await seed(app, acme, "alice")
    bob = await seed(app, acme, "bob")
    stranger = await seed(app, other, "alice")
    for path, key in (
        ("/v1/utility_accounts", alice.account_id),
        ("/v1/utility_meters", alice.meter_id),
    ):
        everything = (await _get(api, acme, path)).json()
        assert len(everything["data"]) == 2
        assert stranger.account_id not in {item["id"] for item in everything["data"]}
        assert stranger.meter_id not in {item["id"] for item in everything["data"]}
        by_user = (await _get(api, acme, path, client_user_id="alice")).json()["data"]
        assert [item["id"] for item in by_user] == [key]
        assert by_user[0]["client_user_id"] == "alice"
        by_credential = await _get(api, acme, path, utility_credential_id=bob.credential_id)
        assert [item["utility_credential_id"] for item in by_credential.json()["data"]] == [
            bob.credential_id
        ]
        # Another client's credential as a filter finds nothing.
        foreign = await _get(api, acme, path, utility_credential_id=stranger.credential_id)
        assert foreign.json()["data"] == []
    account_item = (await _get(api, acme, "/v1/utility_accounts", client_user_id="bob")).json()
    assert account_item["data"][0]["number"] == account().number
    assert account_item["data"][0]["service_address"]["city"] == "Springfield"
    assert account_item["data"][0]["utility_id"] == "sandbox_electric"
    meters = (await _get(api, acme, "/v1/utility_meters", utility_account_id=bob.account_id)).json()
    assert [m["id"] for m in meters["data"]] == [bob.meter_id]
    assert meters["data"][0]["unit"] == "kWh"
    assert meters["data"][0]["time_zone"] == "America/New_York"


async def test_statements_list_paginate_and_add_up(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    seeded = await seed(app, client)
    fetched = _statements(3)
    await _store_statements(app, seeded, fetched)
    seen: list[dict[str, object]] = []
    cursor = None
    while True:
        params: dict[str, object] = {"limit": 2, "meter_id": seeded.meter_id}
        if cursor:
            params["cursor"] = cursor
        page = (await _get(api, client, "/v1/utility_statements", **params)).json()
        seen.extend(page["data"])
        if not page["has_more"]:
            assert page["next_cursor"] is None
            break
        cursor = page["next_cursor"]
    assert len(seen) == 3
    assert {item["period_start"] for item in seen} == {s.period_start.isoformat() for s in fetched}
    for item in seen:
        assert isinstance(item["amount_due"], str)
        items = item["line_items"]
        assert isinstance(items, list)
        assert sum(Decimal(li["amount"]) for li in items) == Decimal(str(item["new_charges"]))
        assert item["has_pdf"] is True
    filtered = await _get(api, client, "/v1/utility_statements", utility_account_id="uac_none")
    assert filtered.json()["data"] == []
    bad = await _get(api, client, "/v1/utility_statements", cursor="%%%")
    assert_error(bad, 422, "invalid_request")


async def test_statement_and_its_pdf(app: FastAPI, api: httpx.AsyncClient, tmp_path: Path) -> None:
    client = await make_client(app)
    other = await make_client(app, name="Other Energy")
    seeded = await seed(app, client)
    fetched = _statements(2)
    pdf = await fetched[0].pdf()  # type: ignore[misc]
    await _store_statements(app, seeded, [fetched[0], replace(fetched[1], pdf=None)])
    listed = (await _get(api, client, "/v1/utility_statements")).json()["data"]
    with_pdf = next(s for s in listed if s["has_pdf"])
    without = next(s for s in listed if not s["has_pdf"])

    one = await _get(api, client, f"/v1/utility_statements/{with_pdf['id']}")
    assert one.json() == with_pdf
    served = await _get(api, client, f"/v1/utility_statements/{with_pdf['id']}/pdf")
    assert served.status_code == 200
    assert served.headers["content-type"] == "application/pdf"
    assert served.content == pdf
    assert_error(
        await _get(api, client, f"/v1/utility_statements/{without['id']}/pdf"),
        404,
        "pdf_unavailable",
    )
    # Another client sees neither the statement nor its file.
    assert_error(
        await _get(api, other, f"/v1/utility_statements/{with_pdf['id']}"), 404, "not_found"
    )
    assert_error(
        await _get(api, other, f"/v1/utility_statements/{with_pdf['id']}/pdf"), 404, "not_found"
    )
    assert_error(await _get(api, client, "/v1/utility_statements/nope/pdf"), 404, "not_found")


async def test_data_unavailable_until_the_first_sync_has_data(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    waiting = await seed(app, client, "carol", ready=False)
    for path, params in (
        ("/v1/utility_meters", {"utility_credential_id": waiting.credential_id}),
        ("/v1/utility_statements", {"client_user_id": "carol"}),
        (
            "/v1/utility_intervals",
            {
                "meter_id": waiting.meter_id,
                "start": "2025-01-01T00:00:00Z",
                "end": "2025-01-02T00:00:00Z",
            },
        ),
    ):
        response = await _get(api, client, path, **params)
        assert_error(response, 503, "data_unavailable")
        assert response.headers["retry-after"] == "30"
    # Accounts are known at verification: they answer.
    accounts = await _get(api, client, "/v1/utility_accounts", client_user_id="carol")
    assert accounts.status_code == 200
    # Unfiltered lists answer too (other credentials may have data).
    assert (await _get(api, client, "/v1/utility_meters")).status_code == 200

    db: Database = app.state.db
    async with db.transaction() as session:
        await service.mark_data_ready(session, app.state.clock, waiting.credential_id)
    ready = await _get(
        api, client, "/v1/utility_meters", utility_credential_id=waiting.credential_id
    )
    assert [m["id"] for m in ready.json()["data"]] == [waiting.meter_id]


async def test_a_rejected_credential_without_data_is_not_waiting(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    seeded = await seed(app, client, "dave", ready=False)
    db: Database = app.state.db
    async with db.transaction() as session:
        credential = await session.get(UtilityCredential, seeded.credential_id)
        assert credential is not None
        credential.status = "rejected"
    response = await _get(api, client, "/v1/utility_statements", client_user_id="dave")
    assert response.status_code == 200
    assert response.json()["data"] == []


async def test_lists_need_authentication(api: httpx.AsyncClient) -> None:
    for path in ("/v1/utility_accounts", "/v1/utility_meters", "/v1/utility_statements"):
        assert_error(await api.get(path), 401, "unauthorized")


async def test_deleting_a_credential_deletes_its_data(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    seeded = await seed(app, client)
    await _store_statements(app, seeded, _statements(1))
    db: Database = app.state.db
    async with db.transaction() as session:
        await service.upsert_intervals(session, seeded.meter_id, quarter_hours(utc(2025, 1, 1), 4))
    deleted = await api.delete(f"/v1/utility_credentials/{seeded.credential_id}", auth=client.auth)
    assert deleted.status_code == 204
    for path in ("/v1/utility_accounts", "/v1/utility_meters", "/v1/utility_statements"):
        assert (await _get(api, client, path)).json()["data"] == []
    async with db.transaction(write=False) as session:
        assert await session.scalar(select(func.count()).select_from(UtilityIntervalDay)) == 0
