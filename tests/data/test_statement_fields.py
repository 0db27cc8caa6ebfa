"""Statements, meters and accounts as the utility gave them, through the write API, the JSON API
and the CSV export, on both databases: every field round trips, null stays null (and zero stays
zero), a re-issued bill replaces the stored one, and overlapping bills are all kept."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
from fastapi import FastAPI

from gridlink.connectors.models import (
    Commodity,
    LineItem,
    LineItemKind,
    Meter,
    ServiceClass,
    Statement,
    TouUsage,
)
from gridlink.data import service
from gridlink.data.files import FileStore
from gridlink.data.statement_export import COLUMNS
from gridlink.kit.clock import ManualClock
from gridlink.kit.db import Database
from tests.data.helpers import NEW_YORK, Seeded, seed
from tests.factories import TestClient, assert_error, make_client

K = LineItemKind
METER = Meter(
    "opaque-uuid-77",
    Commodity.ELECTRIC,
    ServiceClass.COMMERCIAL,
    "B-19",
    NEW_YORK,
    meter_number="1010054388",
    service_id="4017762215",
)
ITEMS = (
    LineItem("Customer charge", Decimal("9.30"), Decimal(30), "day", Decimal("0.31"), K.DELIVERY),
    LineItem("Generation", Decimal("70.00"), Decimal(612), "kWh", Decimal("0.11438"), K.SUPPLY),
    LineItem("Demand charge", Decimal("31.90"), Decimal("5.5"), "kW", Decimal("5.8"), K.DELIVERY),
    LineItem("Utility users' tax", Decimal("3.10"), kind=K.TAX),
    LineItem("Regulatory fee", Decimal("1.20"), kind=K.FEE),
    LineItem("Climate credit", Decimal("-38.39"), kind=K.CREDIT),
    LineItem("Meter rental", Decimal("0.50")),  # kind not given: other
)
FULL = Statement(
    period_start=date(2026, 1, 5),
    period_end=date(2026, 2, 4),
    statement_date=date(2026, 2, 6),
    due_date=date(2026, 2, 27),
    amount_due=Decimal("125.01"),
    usage=Decimal(612),
    usage_unit="kWh",
    line_items=ITEMS,
    native_id="B-1",
    new_charges=Decimal("77.61"),
    total_charges=Decimal("101.22"),  # a gas meter is on the same bill
    previous_balance=Decimal("88.10"),
    payments=Decimal("64.31"),
    demand=Decimal("5.5"),
    demand_unit="kW",
    tou_usage=(
        TouUsage("Peak", Decimal("180.5"), "kWh"),
        TouUsage("Off-peak", Decimal("431.5"), "kWh"),
    ),
)
UNKNOWN = Statement(period_start=date(2026, 2, 4), period_end=date(2026, 3, 6))  # a period only
ZERO = Statement(
    period_start=date(2026, 3, 6),
    period_end=date(2026, 4, 5),
    amount_due=Decimal("0.00"),
    new_charges=Decimal("0.00"),
    payments=Decimal("0.00"),
)
MONEY = ("amount_due", "new_charges", "total_charges", "previous_balance", "payments", "demand")


async def _store(
    app: FastAPI, meter_id: str, statements: Sequence[Statement], pdfs: Any = None
) -> list[service.Stored]:
    db: Database = app.state.db
    files = FileStore(app.state.settings.resolved_files_dir())
    async with db.transaction() as session:
        return await service.upsert_statements(
            session, app.state.clock, files, meter_id, statements, pdfs
        )


async def _json(api: httpx.AsyncClient, client: TestClient, path: str, **params: Any) -> Any:
    response = await api.get(path, params=params, auth=client.auth)
    assert response.status_code == 200, response.text
    return response.json()


def _csv(response: httpx.Response) -> list[dict[str, str]]:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    reader = csv.DictReader(io.StringIO(response.text))
    assert tuple(reader.fieldnames or ()) == COLUMNS
    return list(reader)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


async def _seeded(app: FastAPI) -> tuple[TestClient, Seeded]:
    client = await make_client(app)
    return client, await seed(app, client, meter=METER)


async def test_every_field_round_trips_through_the_api_and_the_csv(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client, seeded = await _seeded(app)
    await _store(app, seeded.meter_id, [FULL, UNKNOWN, ZERO])
    listed = await _json(api, client, "/v1/utility_statements", meter_id=seeded.meter_id)
    full, unknown, zero = sorted(listed["data"], key=lambda s: s["period_start"])

    for name in MONEY:
        assert full[name] == _text(getattr(FULL, name)), name
        assert unknown[name] is None, name
    assert (zero["amount_due"], zero["new_charges"], zero["payments"]) == ("0.00",) * 3
    assert (zero["previous_balance"], zero["total_charges"]) == (None, None)
    assert (full["demand_unit"], unknown["demand_unit"]) == ("kW", None)
    assert full["tou_usage"] == [
        {"period": "Peak", "usage": "180.5", "unit": "kWh"},
        {"period": "Off-peak", "usage": "431.5", "unit": "kWh"},
    ]
    assert (unknown["tou_usage"], unknown["line_items"]) == ([], [])
    assert full["line_items"] == [
        {
            "description": i.description,
            "amount": str(i.amount),
            "quantity": _text(i.quantity),
            "unit": i.unit,
            "rate": _text(i.rate),
            "kind": i.kind.value,
        }
        for i in ITEMS
    ]
    assert sum(Decimal(i["amount"]) for i in full["line_items"]) == Decimal(full["new_charges"])
    assert await _json(api, client, f"/v1/utility_statements/{full['id']}") == full

    (meter,) = (await _json(api, client, "/v1/utility_meters"))["data"]
    assert (meter["number"], meter["meter_number"], meter["service_id"]) == (
        "opaque-uuid-77",
        "1010054388",
        "4017762215",
    )
    (account,) = (await _json(api, client, "/v1/utility_accounts"))["data"]
    assert account["service_address"] == {
        "line1": "12 Elm Court",
        "line2": None,
        "city": "Springfield",
        "state": "NY",
        "postal_code": "10001",
    }

    exported = await api.get(
        "/v1/utility_statements",
        params={"meter_id": seeded.meter_id, "format": "csv"},
        auth=client.auth,
    )
    assert exported.headers["content-disposition"].startswith("attachment")
    assert "link" not in exported.headers  # one page
    lines = {line["id"]: line for line in _csv(exported)}
    full_line, unknown_line, zero_line = (lines[s["id"]] for s in (full, unknown, zero))
    for name in MONEY:
        assert full_line[name] == str(getattr(FULL, name)), name
        assert unknown_line[name] == "", name  # null: an empty cell
    assert (zero_line["amount_due"], zero_line["payments"], zero_line["total_charges"]) == (
        "0.00",
        "0.00",
        "",
    )
    assert full_line["tou_usage"] == "Peak=180.5 kWh; Off-peak=431.5 kWh"
    assert {
        k: full_line[k] for k in COLUMNS if k.endswith(("charges", "taxes", "fees", "credits"))
    } == {
        "delivery_charges": "41.20",
        "supply_charges": "70.00",
        "taxes": "3.10",
        "fees": "1.20",
        "credits": "-38.39",
        "other_charges": "0.50",
        "new_charges": "77.61",
        "total_charges": "101.22",
    }
    for kind in ("delivery_charges", "credits", "other_charges", "tou_usage", "demand_unit"):
        assert unknown_line[kind] == "", kind  # no line items: not zero, unknown
    assert (full_line["account_number"], full_line["service_address"]) == (
        "1234-5678",
        "12 Elm Court, Springfield, NY 10001",
    )
    assert (full_line["meter_number"], full_line["service_id"], full_line["commodity"]) == (
        "1010054388",
        "4017762215",
        "electric",
    )
    assert (full_line["period_start"], full_line["due_date"], full_line["has_pdf"]) == (
        "2026-01-05",
        "2026-02-27",
        "false",
    )
    assert unknown_line["statement_date"] == ""


async def test_writing_the_same_bills_again_changes_no_row(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client, seeded = await _seeded(app)
    await _store(app, seeded.meter_id, [FULL, UNKNOWN])
    before = (await _json(api, client, "/v1/utility_statements"))["data"]
    clock.advance(timedelta(hours=1))
    again = await _store(app, seeded.meter_id, [FULL, UNKNOWN])
    assert [s.created for s in again] == [False, False]
    assert (await _json(api, client, "/v1/utility_statements"))["data"] == before  # updated_at too


def _pdf(content: bytes) -> Any:
    async def get() -> bytes:
        return content

    return get


async def test_a_reissued_bill_replaces_the_stored_one_and_overlapping_bills_are_all_kept(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client, seeded = await _seeded(app)
    original = replace(FULL, pdf=_pdf(b"%PDF-1.4 original"))
    [first] = await _store(app, seeded.meter_id, [original])

    reissued = replace(
        FULL,
        statement_date=date(2026, 2, 20),
        native_id="B-1R",
        amount_due=Decimal("120.01"),
        new_charges=Decimal("72.61"),
        line_items=(*ITEMS, LineItem("Billing correction", Decimal("-5.00"), kind=K.CREDIT)),
        pdf=_pdf(b"%PDF-1.4 reissued"),
    )
    corrected = replace(  # re-read two days later: overlaps the next bill
        FULL, period_end=date(2026, 2, 6), native_id="B-1C", pdf=_pdf(b"%PDF-1.4 corrected")
    )
    following = replace(UNKNOWN, pdf=None)
    # An incremental sync: no PDFs passed in, the write API fetches what it needs.
    stored = await _store(app, seeded.meter_id, [reissued, corrected, following])
    assert [(s.key, s.created) for s in stored] == [
        ("2026-01-05/2026-02-04", False),
        ("2026-01-05/2026-02-06", True),
        ("2026-02-04/2026-03-06", True),
    ]
    assert stored[0].id == first.id  # the same statement, replaced

    listed = (await _json(api, client, "/v1/utility_statements"))["data"]
    periods = sorted((s["period_start"], s["period_end"]) for s in listed)
    assert periods == [
        ("2026-01-05", "2026-02-04"),
        ("2026-01-05", "2026-02-06"),
        ("2026-02-04", "2026-03-06"),
    ]
    replaced = next(s for s in listed if s["id"] == first.id)
    assert (replaced["statement_date"], replaced["amount_due"], replaced["new_charges"]) == (
        "2026-02-20",
        "120.01",
        "72.61",
    )
    assert replaced["line_items"][-1]["description"] == "Billing correction"
    pdf = await api.get(f"/v1/utility_statements/{first.id}/pdf", auth=client.auth)
    assert pdf.content == b"%PDF-1.4 reissued"  # the re-issue's PDF, not the original's


async def test_one_period_twice_in_a_batch_keeps_the_last(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client, seeded = await _seeded(app)
    later = replace(FULL, amount_due=Decimal("99.00"), statement_date=date(2026, 2, 21))
    stored = await _store(app, seeded.meter_id, [FULL, UNKNOWN, later], [None, None, None])
    assert len(stored) == 2
    listed = (await _json(api, client, "/v1/utility_statements"))["data"]
    assert sorted(s["amount_due"] or "" for s in listed) == ["", "99.00"]


async def test_the_csv_pages_like_the_list_with_a_link_to_the_next(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client, seeded = await _seeded(app)
    await _store(app, seeded.meter_id, [FULL, UNKNOWN, ZERO])
    other = await make_client(app, name="Other Energy")
    stranger = await seed(app, other, meter=METER)
    await _store(app, stranger.meter_id, [FULL])

    seen: list[str] = []
    params: dict[str, Any] = {"format": "csv", "limit": 2}
    pages = 0
    while True:
        response = await api.get("/v1/utility_statements", params=params, auth=client.auth)
        seen += [line["id"] for line in _csv(response)]
        pages += 1
        link = response.headers.get("link")
        if link is None:
            break
        target, rel = link.split("; ")
        assert rel == 'rel="next"'
        following = httpx.URL(target.strip("<>"))
        assert following.path == "/v1/utility_statements"
        assert following.params["format"] == "csv"
        params = dict(following.params)
    listed = (await _json(api, client, "/v1/utility_statements"))["data"]
    assert (pages, seen) == (2, [s["id"] for s in listed])  # the same order, no stranger's
    assert len(seen) == 3


def test_the_documented_csv_header_is_the_one_served() -> None:
    doc = (Path(__file__).parents[2] / "docs" / "reference" / "data-api.md").read_text()
    block = doc.split("### As CSV", 1)[1].split("```", 2)[1]
    assert "".join(block.split()) == ",".join(COLUMNS)


async def test_a_query_parameter_given_twice_is_refused(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client, seeded = await _seeded(app)
    for path in ("/v1/utility_statements", "/v1/utility_meters", "/v1/utility_intervals"):
        response = await api.get(
            f"{path}?meter_id={seeded.meter_id}&meter_id=mtr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
            auth=client.auth,
        )
        assert_error(response, 422, "invalid_request")
        assert response.json()["error"]["fields"] == ["meter_id"]
