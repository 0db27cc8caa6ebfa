"""The catalog an EIA import gives, with what the connectors claim (ADR 0007), on both databases:
subsidiaries filed under the connector utility their customers sign in to, Smart Meter Texas in
ERCOT's competitive zips, households' utilities first, and the names people know."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select

from gridlink.connectors.opower import OpowerConnector
from gridlink.connectors.registry import default_registry
from gridlink.kit.clock import ManualClock
from gridlink.models import Utility, UtilityState, UtilityZipCode
from gridlink.utilities.brands import BRANDS
from gridlink.utilities.catalog import ensure_connector_utilities
from gridlink.utilities.claims import Claims
from gridlink.utilities.eia import read_files
from gridlink.utilities.import_plan import plan_import
from gridlink.utilities.importer import import_eia
from tests.eia_data import eia_rows, write_subset, write_table
from tests.factories import TestClient, make_client

URL = "/v1/utilities"
# The six subsidiaries opower serves through their parent's portal (issue 12), and Kansas Gas
# & Electric (Evergy Kansas South): EIA id → (catalog entry, the library's utility).
SUBSIDIARIES = {
    4176: ("eia_54913", "Eversource"),  # Connecticut Light & Power
    15472: ("eia_54913", "Eversource"),  # Public Service Co of NH
    20455: ("eia_54913", "Eversource"),  # Western Massachusetts Electric
    22500: ("eia_10000", "Evergy"),  # Westar Energy
    10005: ("eia_10000", "Evergy"),  # Kansas Gas & Electric
    12698: ("eia_10000", "Evergy"),  # KCP&L Greater Missouri Operations
    16213: ("eia_14154", "Orange & Rockland Utilities (ORU)"),  # Rockland Electric
}


async def _live(app: FastAPI) -> TestClient:
    return await make_client(app, environment="live", origins=["https://app.example.com"])


async def _zip(api: httpx.AsyncClient, client: TestClient, zip_code: str) -> list[dict[str, Any]]:
    response = await api.get(URL, params={"zip": zip_code}, auth=client.auth)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


async def _ids(api: httpx.AsyncClient, client: TestClient, **params: str) -> list[str]:
    response = await api.get(URL, params=params, auth=client.auth)
    assert response.status_code == 200, response.text
    return [u["id"] for u in response.json()["data"]]


def _first_zip(eiaid: int) -> str:
    return next(r["zip"] for r in eia_rows() if r["eiaid"] == str(eiaid))


def _states(*states: str) -> Any:
    return lambda row: row["state"] in states


async def test_subsidiaries_are_their_parents_entry_and_connect_through_its_library_utility(
    app: FastAPI, api: httpx.AsyncClient, tmp_path: Path, clock: ManualClock
) -> None:
    table = write_subset(tmp_path / "iouzipcodes2011.csv", _states("CT", "MA", "NH", "KS", "MO"))
    nj_ny = write_subset(tmp_path / "iou_nj_ny_2011.csv", _states("NJ", "NY"))
    await import_eia(app.state.db, [table, nj_ny], clock)
    live = await _live(app)
    registry = default_registry(discover=False)
    for eiaid, (entry, library_name) in SUBSIDIARIES.items():
        first = (await _zip(api, live, _first_zip(eiaid)))[0]
        assert (first["id"], first["status"], first["connector_id"]) == (entry, "active", "opower")
        assert eiaid in first["eia_ids"], first
        assert first["matched_by"] == "zip"
        connector = registry.create(first["id"])  # what a connection through it runs
        assert isinstance(connector, OpowerConnector)
        assert connector._utility.library_name == library_name  # the library utility
        gone = await api.get(f"{URL}/eia_{eiaid}", auth=live.auth)
        assert gone.status_code == 404, f"eia_{eiaid} is still an entry of its own"
    eversource = (await api.get(f"{URL}/eia_54913", auth=live.auth)).json()
    assert (eversource["name"], eversource["legal_name"]) == (
        "Eversource",
        "NSTAR Electric Company",
    )
    assert eversource["eia_ids"] == [4176, 15472, 20455, 54913]
    assert eversource["states"] == ["CT", "MA", "NH"]
    for words, entry in [
        ("connecticut light", "eia_54913"),
        ("western massachusetts", "eia_54913"),
        ("westar", "eia_10000"),
        ("greater missouri", "eia_10000"),
        ("rockland electric", "eia_14154"),
    ]:
        assert await _ids(api, live, q=words) == [entry], words


async def _catalog(app: FastAPI) -> tuple[list[Any], ...]:
    async with app.state.db.transaction(write=False) as session:
        utilities = (await session.scalars(select(Utility).order_by(Utility.id))).all()
        states = (await session.execute(select(UtilityState.utility_id, UtilityState.state))).all()
        zips = (await session.execute(select(UtilityZipCode))).scalars().all()
        return (
            [
                (u.id, u.name, u.legal_name, u.search_text, u.eia_ids, u.updated_at)
                for u in utilities
            ],
            sorted(states),
            sorted((z.zip, z.utility_id, z.rank, z.edition, z.matched_by) for z in zips),
        )


async def test_start_up_folds_subsidiaries_imported_before_their_claim(
    app: FastAPI, api: httpx.AsyncClient, tmp_path: Path, clock: ManualClock
) -> None:
    """An import that ran before the connector claimed them (a plugin installed later, a
    catalog imported before an upgrade) leaves separate entries; the next start-up folds them
    in, and a later start-up changes nothing."""
    table = write_subset(tmp_path / "iouzipcodes2011.csv", _states("CT", "MA"))
    await import_eia(app.state.db, [table], clock, served=())
    live = await _live(app)
    hartford = _first_zip(4176)
    assert [u["id"] for u in await _zip(api, live, hartford)] == ["eia_4176"]
    served = default_registry(discover=False).utilities()
    async with app.state.db.transaction() as session:
        await ensure_connector_utilities(session, served, clock.now())
    assert [u["id"] for u in await _zip(api, live, hartford)] == ["eia_54913"]
    assert await _ids(api, live, q="connecticut light") == ["eia_54913"]
    assert (await api.get(f"{URL}/eia_4176", auth=live.auth)).status_code == 404
    before = await _catalog(app)
    async with app.state.db.transaction() as session:
        await ensure_connector_utilities(session, served, clock.now())
    after = await _catalog(app)
    assert after[1:] == before[1:]
    assert {row[0]: row[:5] for row in after[0]} == {row[0]: row[:5] for row in before[0]}


async def test_ercot_competitive_zips_suggest_smart_meter_texas_first(
    app: FastAPI, api: httpx.AsyncClient, tmp_path: Path, clock: ManualClock
) -> None:
    texas = write_subset(tmp_path / "noniouzipcodes2011.csv", _states("TX"))
    texas_iou = write_subset(tmp_path / "iouzipcodes2011.csv", _states("TX"))
    await import_eia(app.state.db, [texas, texas_iou], clock)
    live = await _live(app)
    dallas = await _zip(api, live, "75201")
    assert [(u["id"], u["matched_by"]) for u in dallas] == [
        ("smart_meter_texas", "zip"),
        ("eia_19327", "zip"),  # TXU Energy Retail, the retail provider EIA lists
    ]
    assert [u["id"] for u in await _zip(api, live, "77002")] == ["smart_meter_texas", "eia_15847"]
    austin = [u["id"] for u in await _zip(api, live, "78701")]
    assert austin == ["eia_1015"]  # City of Austin (opower), not competitive: no SMT
    assert [u["id"] for u in await _zip(api, live, "79901")] == ["eia_5701"]  # El Paso Electric
    # Every zip of a retail provider or of Lubbock Power & Light (competitive since 2024)
    # suggests SMT, and no other Texas zip does.
    served = ("19327", "15847", "11292")
    competitive = {r["zip"] for r in eia_rows() if r["state"] == "TX" and r["eiaid"] in served}
    async with app.state.db.transaction(write=False) as session:
        suggested = set(
            (
                await session.scalars(
                    select(UtilityZipCode.zip).where(
                        UtilityZipCode.utility_id == "smart_meter_texas",
                        UtilityZipCode.edition > 0,
                    )
                )
            ).all()
        )
    assert suggested == competitive
    assert len(competitive) == 825  # TXU 552 + Reliant 257 + Lubbock 16 rows, one zip each

    # A newer table that names the wires utility (Oncor, delivery only) instead: SMT too.
    newer = write_table(
        tmp_path / "iou_zipcodes_2023.csv",
        [
            {
                "zip": "75201",
                "eiaid": "44372",
                "utility_name": "Oncor Electric Delivery Company LLC",
                "state": "TX",
                "service_type": "Delivery",
                "ownership": "Investor Owned",
                "comm_rate": "0.03",
                "ind_rate": "0.01",
                "res_rate": "0.04",
            }
        ],
    )
    await import_eia(app.state.db, [newer], clock)
    assert [u["id"] for u in await _zip(api, live, "75201")] == ["smart_meter_texas", "eia_44372"]


async def test_a_zip_whose_listed_utility_serves_no_household_suggests_the_areas_first(
    app: FastAPI, api: httpx.AsyncClient, tmp_path: Path, clock: ManualClock
) -> None:
    """94103 (San Francisco): EIA lists only the City & County, without a residential rate;
    PG&E serves the households and is listed in 94128 and 94130."""
    bay = write_subset(tmp_path / "iouzipcodes2011.csv", lambda r: r["zip"].startswith("941"))
    bay_munis = write_subset(
        tmp_path / "noniouzipcodes2011.csv", lambda r: r["zip"].startswith("941")
    )
    await import_eia(app.state.db, [bay, bay_munis], clock)
    live = await _live(app)
    for zip_code in ("94103", "94110", "94102"):
        found = await _zip(api, live, zip_code)
        assert [(u["id"], u["matched_by"]) for u in found] == [
            ("eia_14328", "area"),  # PG&E
            ("eia_16612", "zip"),  # City & County of San Francisco
        ], zip_code
    assert [u["id"] for u in await _zip(api, live, "94128")] == ["eia_14328"]  # listed there


def _row(zip_code: str, eiaid: int, name: str, **changes: str) -> dict[str, str]:
    row = {
        "zip": zip_code,
        "eiaid": str(eiaid),
        "utility_name": name,
        "state": "NY",
        "service_type": "Bundled",
        "ownership": "Investor Owned",
        "comm_rate": "0.1",
        "ind_rate": "0.1",
        "res_rate": "0.2",
    }
    return row | changes


async def test_utilities_with_a_working_connector_that_serve_households_come_first(
    app: FastAPI, api: httpx.AsyncClient, tmp_path: Path, clock: ManualClock
) -> None:
    table = write_table(
        tmp_path / "zips_2020.csv",
        [
            # 10001: an unsupported IOU ranks better by EIA's data alone than ConEd's
            # delivery-only row; ConEd has a connector, so it comes first.
            _row("10001", 99999, "Future Power Co"),
            _row("10001", 4226, "Consolidated Edison Co-NY Inc", service_type="Delivery"),
            # 10002: ConEd without a residential rate there comes after one that has one.
            _row("10002", 99999, "Future Power Co", service_type="Delivery"),
            _row("10002", 4226, "Consolidated Edison Co-NY Inc", res_rate="0"),
        ],
    )
    await import_eia(app.state.db, [table], clock)
    live = await _live(app)
    assert [u["id"] for u in await _zip(api, live, "10001")] == ["eia_4226", "eia_99999"]
    assert [u["id"] for u in await _zip(api, live, "10002")] == ["eia_99999", "eia_4226"]
    # Pages keep that order.
    first = await api.get(URL, params={"zip": "10001", "limit": 1}, auth=live.auth)
    cursor = first.json()["next_cursor"]
    rest = await api.get(URL, params={"zip": "10001", "limit": 1, "cursor": cursor}, auth=live.auth)
    assert [u["id"] for u in rest.json()["data"]] == ["eia_99999"]
    # A zip without data lists its state's utilities, those with a connector first.
    state = await _zip(api, live, "12401")  # Kingston, NY: in no row above
    assert [u["id"] for u in state][:2] == ["eia_4226", "eia_14154"]  # ConEd, O&R
    assert {u["matched_by"] for u in state} == {"state"}
    assert state[-1]["id"] == "eia_99999"


async def test_entries_show_the_brand_and_keep_the_legal_name(
    app: FastAPI, api: httpx.AsyncClient, tmp_path: Path, clock: ManualClock
) -> None:
    table = write_subset(tmp_path / "iouzipcodes2011.csv", _states("MN", "UT", "MO", "CO", "OR"))
    await import_eia(app.state.db, [table], clock)
    live = await _live(app)
    for zip_code, name, legal_name in [
        ("55401", "Xcel Energy (Minnesota, Dakotas)", "Northern States Power Co - Minnesota"),
        ("84101", "Rocky Mountain Power / Pacific Power", "PacifiCorp"),
        ("97501", "Rocky Mountain Power / Pacific Power", "PacifiCorp"),  # Medford, OR
        ("63101", "Ameren Missouri", "Union Electric Co - (MO)"),
        ("80202", "Xcel Energy (Colorado)", "Public Service Co of Colorado"),
    ]:
        first = (await _zip(api, live, zip_code))[0]
        assert (first["name"], first["legal_name"]) == (name, legal_name), zip_code
    for words, expected in [
        ("northern states", ["eia_13781"]),
        ("xcel", ["eia_15466", "eia_13781"]),  # in name order: Colorado, Minnesota
        ("union electric", ["eia_19436"]),
        ("ameren", ["eia_19436"]),
        ("pacificorp", ["eia_14354"]),
        ("rocky mountain", ["eia_14354"]),
    ]:
        assert await _ids(api, live, q=words) == expected, words


def test_every_brand_names_a_utility_of_the_eia_tables() -> None:
    """A mistyped id would name nothing (or the wrong utility): each is in the 2011 tables."""
    names = {int(r["eiaid"]): r["utility_name"] for r in eia_rows()}
    assert set(BRANDS) <= set(names), sorted(set(BRANDS) - set(names))
    assert len(set(BRANDS.values())) == len(BRANDS), "two entries would look the same"


@pytest.mark.parametrize("zip_code", ["75201", "77002"])
async def test_sandbox_clients_never_see_live_suggestions(
    app: FastAPI, api: httpx.AsyncClient, tmp_path: Path, clock: ManualClock, zip_code: str
) -> None:
    texas = write_subset(tmp_path / "noniouzipcodes2011.csv", _states("TX"))
    await import_eia(app.state.db, [texas], clock)
    sandbox = await make_client(app)
    assert await _ids(api, sandbox, zip=zip_code) == ["sandbox_water"]  # Texas, by state


def test_an_import_files_a_subsidiarys_rows_under_its_parent_directly(tmp_path: Path) -> None:
    """The import writes no entry for a claimed subsidiary (start-up would fold one, at the cost
    of writing and deleting its rows on every import): its rows go to the parent at once."""
    table = write_subset(tmp_path / "iouzipcodes2011.csv", _states("CT"))
    data = read_files([table])
    claims = Claims.of(default_registry(discover=False).utilities())
    held = Utility(
        id="eia_54913", name="Eversource", search_text="eversource", legal_name=None,
        eia_ids=[4176, 15472, 20455, 54913], eia_edition=None,
    )  # fmt: skip
    plan = plan_import(data, claims, {"eia_54913": held}, datetime.now(UTC))
    assert "eia_4176" not in {entry["id"] for entry in plan.named}
    [claimed] = plan.claimed
    assert claimed["b_id"] == "eia_54913"
    assert "connecticut light & power co" in claimed["b_search_text"]
    assert claimed["b_legal_name"] == "Connecticut Light & Power Co"  # until NSTAR's own is read
    hartford_zip = _first_zip(4176)
    hartford = [row for row in plan.zip_rows if row.zip == hartford_zip]
    assert [row.utility_id for row in hartford] == ["eia_54913"]
