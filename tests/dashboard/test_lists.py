"""The credentials list and the overview: filters, orders, pages and counts, across the clients
an operator sees and never beyond them (both databases)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import update

from gridlink.kit.clock import ManualClock
from gridlink.kit.db import Database
from gridlink.kit.ids import new_id
from gridlink.models import UtilityCredential, UtilitySync
from gridlink.operators.principal import Role
from tests.dashboard.helpers import get_json, signed_in
from tests.factories import TestClient, assert_error, make_client, make_credential

REFRESH = "MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED"
# (status, status_detail, action_required, utility) for each credential of the first client
MIX = [
    ("verified", None, False, "sandbox_electric"),
    ("verified", None, False, "sandbox_gas"),
    ("verified", "UTILITY_UNAVAILABLE", False, "sandbox_electric"),
    ("rejected", REFRESH, True, "sandbox_electric"),
    ("rejected", REFRESH, True, "sandbox_gas"),
    ("rejected", "INVALID_CREDENTIALS", True, "sandbox_electric"),
    ("pending", None, False, "sandbox_water"),
]


async def seed(app: FastAPI, clock: ManualClock) -> tuple[TestClient, TestClient, list[str]]:
    """Seven credentials of Acme (in MIX order, a minute apart) and two of Bright Homes."""
    acme = await make_client(app, name="Acme Energy")
    bright = await make_client(app, name="Bright Homes")
    ids = []
    for i, (status, detail, action, utility) in enumerate(MIX):
        ids.append(await make_credential(app, acme, f"acme-user-{i}", utility, status))
        await _set(app, ids[-1], status_detail=detail, action_required=action)
        clock.advance(timedelta(minutes=1))
    for i in range(2):
        await make_credential(app, bright, f"bright-user-{i}", "sandbox_electric", "rejected")
        await _set(app, None, status_detail=REFRESH, action_required=True, client_id=bright.id)
    return acme, bright, ids


async def _set(
    app: FastAPI, credential_id: str | None, client_id: str | None = None, **values: Any
) -> None:
    db: Database = app.state.db
    statement = update(UtilityCredential).values(**values)
    if credential_id is not None:
        statement = statement.where(UtilityCredential.id == credential_id)
    else:
        statement = statement.where(UtilityCredential.client_id == client_id)
    async with db.transaction() as session:
        await session.execute(statement)


async def _failing_sync(app: FastAPI, client_id: str, credential_id: str) -> None:
    db: Database = app.state.db
    now = app.state.clock.now()
    async with db.transaction() as session:
        session.add(
            UtilitySync(
                id=new_id("syn"),
                client_id=client_id,
                credential_id=credential_id,
                utility_id="sandbox_electric",
                kind="scheduled",
                state="retrying",
                due_at=now + timedelta(hours=1),
                failures=2,
                checkpoint={},
                created_at=now,
                updated_at=now,
            )
        )


async def every_page(api: httpx.AsyncClient, **params: Any) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    params = {"limit": 2, **params}
    while True:
        page = await get_json(api, "/dashboard/api/credentials", **params)
        rows += page["data"]
        assert page["total"] >= len(rows)
        if not page["has_more"]:
            assert page["next_cursor"] is None
            return rows
        params["after"] = page["next_cursor"]


async def test_filters_select_exactly_the_matching_credentials(
    app: FastAPI, clock: ManualClock
) -> None:
    acme, bright, ids = await seed(app, clock)
    async with signed_in(app, Role.VIEWER) as api:
        everything = await every_page(api)
        assert len(everything) == 9
        refresh = await every_page(api, status_detail=REFRESH)
        assert {r["client_id"] for r in refresh} == {acme.id, bright.id}
        assert len(refresh) == 4
        acme_refresh = await every_page(api, status_detail=REFRESH, client_id=acme.id)
        assert [r["id"] for r in acme_refresh] == [ids[4], ids[3]]  # newest first
        page = await get_json(api, "/dashboard/api/credentials", status_detail=REFRESH, limit=1)
        assert page["total"] == 4
        gas = await every_page(api, utility_id="sandbox_gas")
        assert [r["id"] for r in gas] == [ids[4], ids[1]]
        assert [r["id"] for r in await every_page(api, client_user_id="acme-user-5")] == [ids[5]]
        pending = await every_page(api, status="pending")
        assert [r["id"] for r in pending] == [ids[6]]
        acting = await every_page(api, action_required="true", client_id=acme.id)
        assert {r["id"] for r in acting} == {ids[3], ids[4], ids[5]}
        row = acme_refresh[0]
        assert row["client_name"] == "Acme Energy"
        assert row["client_user_id"] == "acme-user-4"
        assert row["utility"] == {"id": "sandbox_gas", "name": row["utility"]["name"]}
        assert row["status"] == "rejected"
        assert row["action_required"] is True


async def test_created_dates_bound_the_list(app: FastAPI, clock: ManualClock) -> None:
    start = clock.now()
    _acme, _bright, ids = await seed(app, clock)
    async with signed_in(app, Role.VIEWER) as api:
        window = await every_page(
            api,
            created_from=(start + timedelta(minutes=2)).isoformat(),
            created_to=(start + timedelta(minutes=4)).isoformat(),
        )
        assert [r["id"] for r in window] == [ids[3], ids[2]]
        day = start.date().isoformat()
        assert len(await every_page(api, created_from=day)) == 9
        assert await every_page(api, created_to=day) == []


@pytest.mark.parametrize("sort", ["created_at", "-created_at", "updated_at", "-updated_at"])
async def test_every_order_pages_through_every_row_once(
    app: FastAPI, clock: ManualClock, sort: str
) -> None:
    _acme, _bright, ids = await seed(app, clock)
    # Update times out of creation order, two of them equal (the cursor must break the tie).
    for credential_id, minutes in zip(ids, [50, 10, 40, 10, 30, 20, 60], strict=True):
        await _set(app, credential_id, updated_at=clock.now() + timedelta(minutes=minutes))
    async with signed_in(app, Role.VIEWER) as api:
        rows = await every_page(api, sort=sort)
    assert len(rows) == len({r["id"] for r in rows}) == 9
    key = sort.lstrip("-")
    values = [(r[key], r["id"]) for r in rows]
    assert values == sorted(values, reverse=sort.startswith("-"))


async def test_an_operator_limited_to_a_client_never_sees_another(
    app: FastAPI, clock: ManualClock
) -> None:
    acme, bright, ids = await seed(app, clock)
    async with signed_in(app, Role.SUPPORT, clients=[bright.id]) as api:
        rows = await every_page(api)
        assert {r["client_id"] for r in rows} == {bright.id}
        assert len(rows) == 2
        overview = await get_json(api, "/dashboard/api/overview")
        assert overview["total"] == 2
        visible = (await get_json(api, "/dashboard/api/clients"))["data"]
        assert [c["id"] for c in visible] == [bright.id]
        for path in (
            f"/dashboard/api/credentials/{ids[0]}",
            f"/dashboard/api/credentials?client_id={acme.id}",
            f"/dashboard/api/overview?client_id={acme.id}",
            f"/dashboard/api/users/{acme.id}/acme-user-0",
        ):
            assert_error(await api.get(path), 404, "not_found")
        for call in (
            api.post(f"/dashboard/api/credentials/{ids[0]}/connect"),
            api.post(f"/dashboard/api/credentials/{ids[0]}/links"),
            api.post(f"/dashboard/api/credentials/{ids[0]}/refresh"),
            api.delete(f"/dashboard/api/credentials/{ids[0]}"),
            api.post("/dashboard/api/connect", json={"client_id": acme.id, "client_user_id": "x"}),
        ):
            assert_error(await call, 404, "not_found")
    async with signed_in(app, Role.VIEWER) as everyone:
        assert len(await every_page(everyone, client_id=acme.id)) == 7  # nothing was deleted


async def test_the_overview_counts_what_needs_attention(app: FastAPI, clock: ManualClock) -> None:
    acme, _bright, ids = await seed(app, clock)
    soon, later = clock.now() + timedelta(days=3), clock.now() + timedelta(days=30)
    await _set(app, ids[0], mfa_session_expires_at=soon)
    await _set(app, ids[1], mfa_session_expires_at=later)
    await _failing_sync(app, acme.id, ids[2])
    async with signed_in(app, Role.VIEWER) as api:
        overview = await get_json(api, "/dashboard/api/overview")
        one = await get_json(api, "/dashboard/api/overview", client_id=acme.id)
    assert overview["total"] == 9
    counts = {(c["status"], c["status_detail"]): c["count"] for c in overview["by_status"]}
    assert counts == {
        ("verified", None): 2,
        ("verified", "UTILITY_UNAVAILABLE"): 1,
        ("rejected", REFRESH): 4,
        ("rejected", "INVALID_CREDENTIALS"): 1,
        ("pending", None): 1,
    }
    assert overview["attention"] == {
        "mfa_refresh_required": 4,
        "mfa_expiring_soon": 1,
        "revoked": 1,
        "utility_unavailable": 1,
        "syncs_failing": 1,
        "action_required": 5,
    }
    assert one["total"] == 7
    assert one["attention"]["mfa_refresh_required"] == 2
    # Each card's filter lists exactly the credentials its count counts.
    async with signed_in(app, Role.VIEWER) as api:
        for key, count in overview["attention"].items():
            rows = await every_page(api, attention=key)
            assert len(rows) == count, key
        expiring = await every_page(api, attention="mfa_expiring_soon")
        revoked = await every_page(api, attention="revoked")
        failing = await every_page(api, attention="syncs_failing")
    assert [r["id"] for r in expiring] == [ids[0]]
    assert [r["id"] for r in revoked] == [ids[5]]
    assert [r["id"] for r in failing] == [ids[2]]


async def test_a_cursor_the_dashboard_did_not_give_is_refused(
    app: FastAPI, clock: ManualClock
) -> None:
    await seed(app, clock)
    async with signed_in(app, Role.VIEWER) as api:
        for params in ({"after": "nope"}, {"after": "12.nope", "sort": "updated_at"}):
            error = assert_error(
                await api.get("/dashboard/api/credentials", params=params), 422, "invalid_request"
            )
            assert error["fields"] == ["after"]
        assert_error(
            await api.get("/dashboard/api/credentials", params={"status": "bogus"}),
            422,
            "invalid_request",
        )
