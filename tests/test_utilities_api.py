"""The catalog as sandbox and live clients see it, without imported data."""

from __future__ import annotations

import httpx
import pytest
from fastapi import FastAPI

from gridlink.connectors.opower import OPOWER_INFO
from gridlink.connectors.sandbox import SANDBOX_UTILITIES
from gridlink.connectors.smart_meter_texas import SMT_INFO
from tests.factories import TestClient, assert_error, make_client

URL = "/v1/utilities"
SANDBOX_IDS = {
    "sandbox_electric",
    "sandbox_gas",
    "sandbox_combined",
    "sandbox_water",
    "sandbox_authenticator",
}


async def _ids(api: httpx.AsyncClient, client: TestClient, **params: str | int) -> list[str]:
    response = await api.get(URL, params=params, auth=client.auth)
    assert response.status_code == 200, response.text
    return [u["id"] for u in response.json()["data"]]


async def test_sandbox_client_sees_the_five_sandbox_utilities(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    response = await api.get(URL, auth=client.auth)
    body = response.json()
    assert {u["id"] for u in body["data"]} == SANDBOX_IDS
    assert body["has_more"] is False
    electric = next(u for u in body["data"] if u["id"] == "sandbox_electric")
    assert electric == {
        "id": "sandbox_electric",
        "name": "Sandbox Power & Light",
        "legal_name": None,
        "logo_url": None,
        "states": ["CA"],
        "commodities": ["electric"],
        "sign_in_kinds": ["password", "password_mfa"],
        "mfa_methods": ["sms", "call", "email"],
        "connection_methods": ["login", "file"],
        "connector_id": "sandbox",
        "forgot_password_url": "https://power.sandbox.example/forgot-password",
        "status": "active",
        "environment": "sandbox",
        "eia_ids": [],
        "matched_by": None,
    }
    authenticator = next(u for u in body["data"] if u["id"] == "sandbox_authenticator")
    assert (authenticator["sign_in_kinds"], authenticator["mfa_methods"]) == (["password_totp"], [])


async def test_live_client_never_sees_sandbox_utilities(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    live = await make_client(app, environment="live", origins=["https://app.example.com"])
    assert not SANDBOX_IDS & set(await _ids(api, live, limit=100))
    assert await _ids(api, live, zip="00010") == []
    response = await api.get(f"{URL}/sandbox_electric", auth=live.auth)
    assert_error(response, 404, "not_found")


async def test_live_client_sees_the_live_connectors_utilities(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    """Every utility the opower library supports, and Smart Meter Texas; nothing else."""
    live = await make_client(app, environment="live", origins=["https://app.example.com"])
    listed = await _ids(api, live, limit=100)
    expected = {u.id for u in (*OPOWER_INFO.utilities, *SMT_INFO.utilities)}
    assert set(listed) == expected
    assert len(listed) == len(expected)
    pge = (await api.get(f"{URL}/eia_14328", auth=live.auth)).json()
    assert {k: pge[k] for k in ("name", "states", "commodities", "sign_in_kinds")} == {
        "name": "Pacific Gas and Electric Company (PG&E)",
        "states": ["CA"],
        "commodities": ["electric", "gas"],
        "sign_in_kinds": ["password_mfa"],
    }
    assert (pge["connector_id"], pge["environment"], pge["mfa_methods"]) == (
        "opower",
        "live",
        ["email", "sms"],
    )
    texas = (await api.get(f"{URL}/smart_meter_texas", auth=live.auth)).json()
    assert (texas["name"], texas["states"], texas["connector_id"]) == (
        "Smart Meter Texas (ERCOT)",
        ["TX"],
        "smart_meter_texas",
    )
    sandbox = await make_client(app)
    assert set(await _ids(api, sandbox, limit=100)) == SANDBOX_IDS


@pytest.mark.parametrize(
    ("zip_code", "expected"),
    [
        ("00010", ["sandbox_electric"]),
        # Best guess first: electric declares 00011 first, although gas comes first by name.
        ("00011", ["sandbox_electric", "sandbox_gas"]),
        ("00020", ["sandbox_gas"]),
        ("00030", ["sandbox_combined"]),
        ("00031", ["sandbox_combined"]),
        ("00040", ["sandbox_water"]),
        ("00050", ["sandbox_authenticator"]),
    ],
)
async def test_sandbox_zips(
    app: FastAPI, api: httpx.AsyncClient, zip_code: str, expected: list[str]
) -> None:
    client = await make_client(app)
    response = await api.get(URL, params={"zip": zip_code}, auth=client.auth)
    data = response.json()["data"]
    assert [u["id"] for u in data] == expected
    assert {u["matched_by"] for u in data} == {"zip"}


async def test_zip_without_data_falls_back_to_its_state(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    response = await api.get(URL, params={"zip": "94110"}, auth=client.auth)
    data = response.json()["data"]
    assert [u["id"] for u in data] == ["sandbox_gas", "sandbox_electric"]  # name order
    assert {u["matched_by"] for u in data} == {"state"}
    assert await _ids(api, client, zip="10001-1234") == ["sandbox_combined"]
    assert await _ids(api, client, zip="77002") == ["sandbox_water"]
    assert await _ids(api, client, zip="60601") == []  # no sandbox utility in Illinois


async def test_zip_with_data_but_no_match_for_the_filters_falls_back_too(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    response = await api.get(URL, params={"zip": "00010", "commodity": "gas"}, auth=client.auth)
    assert response.json()["data"] == []  # 00010 has no state to fall back to
    response = await api.get(URL, params={"zip": "00011", "commodity": "gas"}, auth=client.auth)
    assert [(u["id"], u["matched_by"]) for u in response.json()["data"]] == [("sandbox_gas", "zip")]
    response = await api.get(URL, params={"zip": "10001", "commodity": "gas"}, auth=client.auth)
    assert [u["id"] for u in response.json()["data"]] == ["sandbox_combined"]


async def test_filters(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    assert await _ids(api, client, q="GAS") == ["sandbox_combined", "sandbox_gas"]
    assert await _ids(api, client, q="power & light") == ["sandbox_electric"]
    assert await _ids(api, client, q="  light   SANDBOX ") == ["sandbox_electric"]
    assert await _ids(api, client, q="100%") == []  # LIKE wildcards are literal
    assert await _ids(api, client, state="ca") == ["sandbox_gas", "sandbox_electric"]
    assert await _ids(api, client, commodity="gas") == ["sandbox_combined", "sandbox_gas"]
    assert await _ids(api, client, commodity="water", state="TX") == ["sandbox_water"]
    assert await _ids(api, client, commodity="water", state="CA") == []


@pytest.mark.parametrize(
    ("params", "count"),
    [
        ({}, len(SANDBOX_UTILITIES)),  # name order
        ({"zip": "00011"}, 2),  # zip rank order
        ({"zip": "94110"}, 2),  # state fallback, name order
    ],
)
async def test_cursor_pagination_visits_each_utility_once(
    app: FastAPI, api: httpx.AsyncClient, params: dict[str, str], count: int
) -> None:
    client = await make_client(app)
    seen: list[str] = []
    cursor: str | None = None
    for _ in range(10):
        query: dict[str, str | int] = {**params, "limit": 1}
        if cursor:
            query["cursor"] = cursor
        body = (await api.get(URL, params=query, auth=client.auth)).json()
        seen += [u["id"] for u in body["data"]]
        cursor = body["next_cursor"]
        assert body["has_more"] is (cursor is not None)
        if cursor is None:
            break
    assert seen == await _ids(api, client, **params)
    assert len(seen) == len(set(seen)) == count


@pytest.mark.parametrize(
    "params",
    [
        {"cursor": "not-a-cursor"},
        {"cursor": "WzEsMl0"},
        {"zip": "1234"},
        {"state": "California"},
        {"commodity": "steam"},
        {"limit": 0},
    ],
)
async def test_bad_parameters_are_rejected(
    app: FastAPI, api: httpx.AsyncClient, params: dict[str, str | int]
) -> None:
    client = await make_client(app)
    assert_error(await api.get(URL, params=params, auth=client.auth), 422, "invalid_request")


async def test_get_one_utility(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    response = await api.get(f"{URL}/sandbox_combined", auth=client.auth)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["commodities"] == ["electric", "gas"]
    assert body["states"] == ["NY"]
    unknown = await api.get(f"{URL}/eia_4226", auth=client.auth)
    error = assert_error(unknown, 404, "not_found")
    assert "GET /v1/utilities" in str(error["message"])


async def test_requires_authentication(api: httpx.AsyncClient) -> None:
    assert_error(await api.get(URL), 401, "unauthorized")


async def test_connect_token_accepts_only_visible_utilities(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    sandbox = await make_client(app)
    live = await make_client(app, environment="live", origins=["https://app.example.com"])
    body = {"client_user_id": "user-1", "utility_id": "sandbox_gas"}
    ok = await api.post("/v1/auth/connect_token", json=body, auth=sandbox.auth)
    assert ok.status_code == 200, ok.text
    hidden = await api.post("/v1/auth/connect_token", json=body, auth=live.auth)
    error = assert_error(hidden, 422, "invalid_request")
    assert error["fields"] == ["utility_id"]


async def test_seeding_is_idempotent_and_restores_definitions(app: FastAPI) -> None:
    from sqlalchemy import select, update

    from gridlink.models import Utility, UtilityZipCode
    from gridlink.utilities.catalog import ensure_sandbox_utilities

    async with app.state.db.transaction() as session:
        await session.execute(
            update(Utility)
            .where(Utility.id == "sandbox_gas")
            .values(name="Renamed", status="unsupported", connector_id=None)
        )
    for _ in range(2):
        async with app.state.db.transaction() as session:
            await ensure_sandbox_utilities(session, app.state.clock.now())
    async with app.state.db.transaction() as session:
        columns = select(Utility.name, Utility.status, Utility.connector_id)
        rows = (await session.execute(columns.where(Utility.environment == "sandbox"))).all()
        zip_rows = (
            await session.execute(
                select(UtilityZipCode.zip, UtilityZipCode.utility_id, UtilityZipCode.rank)
            )
        ).all()
    assert sorted(rows) == sorted((u.info.name, "active", "sandbox") for u in SANDBOX_UTILITIES)
    assert sorted(zip_rows) == [
        ("00010", "sandbox_electric", 0),
        ("00011", "sandbox_electric", 0),
        ("00011", "sandbox_gas", 1),
        ("00020", "sandbox_gas", 0),
        ("00030", "sandbox_combined", 0),
        ("00031", "sandbox_combined", 0),
        ("00040", "sandbox_water", 0),
        ("00050", "sandbox_authenticator", 0),
    ]
