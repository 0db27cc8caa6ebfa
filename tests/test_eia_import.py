"""`gridlink utilities import-eia` with the real OpenEI 2011 tables, on both databases."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import select, update

from gridlink.connectors.metadata import Environment, MfaMethod, SignInKind, UtilityInfo
from gridlink.connectors.models import Commodity
from gridlink.connectors.registry import ServedUtility
from gridlink.kit.clock import ManualClock
from gridlink.models import Utility, UtilityState, UtilityZipCode
from gridlink.utilities.catalog import ensure_connector_utilities
from gridlink.utilities.eia import EiaFormatError
from gridlink.utilities.importer import import_eia
from tests.eia_data import eia_files, write_subset, write_table
from tests.factories import TestClient, make_client

URL = "/v1/utilities"


async def _live(app: FastAPI) -> TestClient:
    return await make_client(app, environment="live", origins=["https://app.example.com"])


async def _zip(api: httpx.AsyncClient, client: TestClient, zip_code: str) -> list[dict[str, Any]]:
    response = await api.get(URL, params={"zip": zip_code}, auth=client.auth)
    assert response.status_code == 200, response.text
    data: list[dict[str, Any]] = response.json()["data"]
    return data


async def _zip_ids(api: httpx.AsyncClient, client: TestClient, zip_code: str) -> list[str]:
    return [u["id"] for u in await _zip(api, client, zip_code)]


async def test_full_2011_import_answers_the_known_zips(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    summary = await import_eia(app.state.db, eia_files(), clock)
    assert (summary.rows_read, summary.utilities_in_files, summary.zips_in_files) == (
        56458,
        1598,
        39244,
    )
    # Seven subsidiaries are filed under the opower utility their customers sign in to
    # (tests/test_catalog_claims.py): 1,598 EIA utilities make 1,591 entries.
    assert (summary.catalog_utilities, summary.catalog_zips) == (1591, 39244)
    live = await _live(app)

    coned = (await _zip(api, live, "10001"))[0]
    # The opower connector serves ConEd under its EIA id: one entry, the import's zips.
    assert {k: coned[k] for k in ("id", "connector_id", "status", "eia_ids", "matched_by")} == {
        "id": "eia_4226",
        "connector_id": "opower",
        "status": "active",
        "eia_ids": [4226],
        "matched_by": "zip",
    }
    assert (await _zip(api, live, "12534"))[0]["status"] == "unsupported"  # Central Hudson
    assert await _zip_ids(api, live, "60601") == ["eia_4110"]  # Commonwealth Edison
    assert await _zip_ids(api, live, "02108") == ["eia_54913"]  # NSTAR: Eversource
    # Quirks of the 2011 edition (docs/decisions/0007-zip-to-utility.md): San Francisco zips
    # name only the City & County of SF, which sells to no household (PG&E comes from the
    # zips around); ERCOT zips name the retail provider (Smart Meter Texas reads the meter).
    assert await _zip_ids(api, live, "94103") == ["eia_14328", "eia_16612"]
    assert await _zip_ids(api, live, "94110") == ["eia_14328", "eia_16612"]
    assert await _zip_ids(api, live, "77002") == ["smart_meter_texas", "eia_15847"]
    assert await _zip_ids(api, live, "75201") == ["smart_meter_texas", "eia_19327"]
    assert await _zip_ids(api, live, "78701") == ["eia_1015"]  # Austin Energy
    assert await _zip_ids(api, live, "79901") == ["eia_5701"]  # El Paso Electric
    # Ranking: the local distributor before TVA (wholesale), the IOU before the co-op,
    # bundled service before a municipal energy-only offer.
    assert await _zip_ids(api, live, "28906") == ["eia_40441", "eia_18642"]
    assert await _zip_ids(api, live, "12036") == ["eia_13573", "eia_5021"]
    assert await _zip_ids(api, live, "92877") == ["eia_17609", "eia_4390"]

    search = await api.get(URL, params={"q": "coned"}, auth=live.auth)
    assert [u["id"] for u in search.json()["data"]] == ["eia_4226"]
    search = await api.get(URL, params={"q": "edison", "state": "IL"}, auth=live.auth)
    assert [u["id"] for u in search.json()["data"]] == ["eia_4110"]

    sandbox = await make_client(app)
    assert await _zip_ids(api, sandbox, "10001") == ["sandbox_combined"]  # NY, by state
    assert await _zip_ids(api, live, "00010") == []  # a sandbox zip


async def _snapshot(app: FastAPI) -> tuple[list[Any], ...]:
    async with app.state.db.transaction(write=False) as session:
        utilities = (await session.execute(select(Utility).order_by(Utility.id))).scalars()
        states = await session.execute(select(UtilityState.utility_id, UtilityState.state))
        zips = await session.execute(
            select(
                UtilityZipCode.zip,
                UtilityZipCode.utility_id,
                UtilityZipCode.service_type,
                UtilityZipCode.rank,
                UtilityZipCode.edition,
                UtilityZipCode.matched_by,
            )
        )
        rows = [
            (u.id, u.name, u.status, u.connector_id, u.updated_at, u.eia_edition, u.legal_name)
            for u in utilities
        ]
        return rows, sorted(states.all()), sorted(zips.all())


async def test_reimport_is_idempotent_and_keeps_what_operators_set(
    app: FastAPI, tmp_path: Path, clock: ManualClock
) -> None:
    subset = write_subset(tmp_path / "iouzipcodes2011.csv", lambda r: r["state"] in ("NY", "MA"))
    await import_eia(app.state.db, [subset], clock)
    async with app.state.db.transaction() as session:
        await session.execute(
            update(Utility)
            .where(Utility.id == "eia_3249")
            .values(connector_id="acme", status="degraded")
        )
    before = await _snapshot(app)
    clock.advance(timedelta(days=1))
    summary = await import_eia(app.state.db, [subset], clock)
    assert await _snapshot(app) == before
    assert summary.superseded_rows == 0
    rows = [row[:4] for row in before[0]]
    assert ("eia_3249", "Central Hudson Gas & Elec Corp", "degraded", "acme") in rows
    # A connector's utility keeps the connector's name; EIA's is its legal name.
    assert ("eia_4226", "Consolidated Edison (ConEd)", "active", "opower") in rows


CON_EDISON = UtilityInfo(
    id="eia_4226",
    name="Con Edison",
    states=("NY",),
    commodities=(Commodity.ELECTRIC, Commodity.GAS),
    sign_in_kinds=(SignInKind.PASSWORD_MFA,),
    mfa_methods=(MfaMethod.SMS,),
    forgot_password_url="https://www.coned.com/en/forgot-password",
    environment=Environment.LIVE,
)


async def test_a_connector_serving_an_imported_utility_defines_it_and_keeps_its_zips(
    app: FastAPI, api: httpx.AsyncClient, tmp_path: Path, clock: ManualClock
) -> None:
    subset = write_subset(tmp_path / "iouzipcodes2011.csv", lambda r: r["state"] == "NY")
    await import_eia(app.state.db, [subset], clock)
    for _ in range(2):  # as on every start-up
        async with app.state.db.transaction() as session:
            await ensure_connector_utilities(
                session, [ServedUtility("coned", CON_EDISON)], clock.now()
            )
    live = await _live(app)
    coned = (await _zip(api, live, "10001"))[0]  # the imported zip row is kept
    assert coned == {
        "id": "eia_4226",
        "name": "Con Edison",
        "legal_name": "Consolidated Edison Co-NY Inc",
        "logo_url": None,
        "states": ["NY"],
        "commodities": ["electric", "gas"],
        "sign_in_kinds": ["password_mfa"],
        "mfa_methods": ["sms"],
        "connection_methods": ["login", "file"],
        "connector_id": "coned",
        "forgot_password_url": "https://www.coned.com/en/forgot-password",
        "status": "active",
        "environment": "live",
        "eia_ids": [4226],
        "matched_by": "zip",
    }
    for words in ("con edison", "consolidated edison", "coned"):  # declared, official, alias
        search = await api.get(URL, params={"q": words}, auth=live.auth)
        assert [u["id"] for u in search.json()["data"]] == ["eia_4226"], words
    async with app.state.db.transaction(write=False) as session:
        rows = await session.execute(
            select(UtilityZipCode.edition).where(UtilityZipCode.utility_id == "eia_4226")
        )
        assert set(rows.scalars()) == {2011}


def _row(zip_code: str, eiaid: str, name: str, ownership: str = "Investor Owned") -> dict[str, str]:
    return {
        "zip": zip_code,
        "eiaid": eiaid,
        "utility_name": name,
        "state": "NY",
        "service_type": "Bundled",
        "ownership": ownership,
        "comm_rate": "0.1",
        "ind_rate": "0.1",
        "res_rate": "0.2",
    }


async def test_newer_edition_replaces_a_zips_rows_and_older_never_does(
    app: FastAPI, api: httpx.AsyncClient, tmp_path: Path, clock: ManualClock
) -> None:
    base = write_subset(tmp_path / "iouzipcodes2011.csv", lambda r: r["zip"] in ("10001", "10002"))
    await import_eia(app.state.db, [base], clock)
    newer = write_table(
        tmp_path / "iou_zipcodes_2020.csv",
        [_row("10001", "99999", "Future Power Co"), _row("10003", "4226", "Con Edison")],
    )
    summary = await import_eia(app.state.db, [newer], clock)
    assert summary.superseded_rows == 1  # ConEd's 2011 row for 10001
    older = write_table(
        tmp_path / "iouzipcodes2009.csv",
        [_row("10001", "4226", "Consolidated Edison (2009)"), _row("10004", "4226", "ConEd")],
    )
    await import_eia(app.state.db, [older], clock)

    live = await _live(app)
    assert await _zip_ids(api, live, "10001") == ["eia_99999"]
    assert await _zip_ids(api, live, "10002") == ["eia_4226"]  # no newer data for 10002
    assert await _zip_ids(api, live, "10004") == ["eia_4226"]  # only the 2009 file knows it
    coned = (await api.get(f"{URL}/eia_4226", auth=live.auth)).json()
    # The newest edition gives the legal name; the connector's name stays the display name.
    assert (coned["name"], coned["legal_name"]) == ("Consolidated Edison (ConEd)", "Con Edison")


async def test_a_state_without_zip_data_pages_through_its_utilities(
    app: FastAPI, api: httpx.AsyncClient, tmp_path: Path, clock: ManualClock
) -> None:
    subset = write_subset(
        tmp_path / "noniouzipcodes2011.csv", lambda r: r["state"] == "MA" and r["zip"] != "01013"
    )
    await import_eia(app.state.db, [subset], clock)
    async with app.state.db.transaction(write=False) as session:
        expected = (
            await session.scalars(
                select(Utility.id)
                .where(Utility.environment == "live")
                .where(
                    Utility.id.in_(
                        select(UtilityState.utility_id).where(UtilityState.state == "MA")
                    )
                )
                # Those a connector serves first (Eversource), then the rest; each in name order.
                .order_by(Utility.connector_id.is_(None), Utility.sort_name, Utility.id)
            )
        ).all()
    assert len(expected) > 20
    assert expected[0] == "eia_54913"
    live = await _live(app)
    seen: list[str] = []
    params: dict[str, str | int] = {"zip": "01013", "limit": 7}
    while True:
        body = (await api.get(URL, params=params, auth=live.auth)).json()
        seen += [u["id"] for u in body["data"]]
        assert {u["matched_by"] for u in body["data"]} == {"state"}
        if not body["has_more"]:
            break
        params["cursor"] = body["next_cursor"]
    assert seen == list(expected)


async def test_any_edition_layout_is_read(
    app: FastAPI, api: httpx.AsyncClient, tmp_path: Path, clock: ManualClock
) -> None:
    """Byte-order mark, LF endings, other column order, zips that lost their leading zero."""
    path = tmp_path / "utility_data_2023.csv"
    path.write_text(
        "\ufeffUTILITY_NAME,ZIP,EIAID,STATE,SERVICE_TYPE,OWNERSHIP\n"
        "NSTAR Electric Company,2108,54913,MA,Bundled,Investor Owned\n"
        "Town of Somewhere,2108,77777,MA,Bundled,Municipal\n",
        encoding="utf-8",
    )
    summary = await import_eia(app.state.db, [path], clock)
    assert (summary.rows_read, summary.zips_in_files) == (2, 1)
    live = await _live(app)
    # Without res_rate, neither has a known residential rate: the IOU ranks first.
    assert await _zip_ids(api, live, "02108") == ["eia_54913", "eia_77777"]


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("zips.csv", "zip,eiaid,utility_name,state,service_type,ownership\n", "--edition"),
        ("zips_2011.csv", "zip,eiaid,utility_name\n", "no column state, service_type, ownership"),
        (
            "zips_2011.csv",
            "zip,eiaid,utility_name,state,service_type,ownership\nx,1,a,NY,B,M\n",
            ":2:",
        ),
    ],
)
async def test_files_that_are_not_eia_tables_are_refused(
    app: FastAPI, tmp_path: Path, clock: ManualClock, name: str, content: str, message: str
) -> None:
    path = tmp_path / name
    path.write_text(content)
    with pytest.raises(EiaFormatError, match=message):
        await import_eia(app.state.db, [path], clock)
    async with app.state.db.transaction(write=False) as session:
        assert (
            await session.scalars(select(Utility.id).where(Utility.eia_edition.is_not(None)))
        ).all() == []  # nothing imported (the connectors' own utilities are there)
