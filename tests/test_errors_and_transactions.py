"""The error envelope everywhere, and one transaction per request."""

from __future__ import annotations

import httpx
from fastapi import Depends, FastAPI
from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.errors import Conflict
from gridlink.kit.ids import new_id
from gridlink.kit.unit_of_work import db_session
from gridlink.models import User
from tests.factories import assert_error, make_client


async def _users(app: FastAPI) -> int:
    async with app.state.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(User)) or 0)


def _add_write_then_fail_routes(app: FastAPI, client_id: str) -> None:
    """Routes that write a row and then fail, to prove the write never lands."""

    async def write(session: AsyncSession) -> None:
        session.add(
            User(
                id=new_id("usr"),
                client_id=client_id,
                client_user_id="ghost",
                created_at=app.state.clock.now(),
            )
        )
        await session.flush()

    @app.post("/test/write-then-conflict")
    async def conflict(session: AsyncSession = Depends(db_session)) -> None:  # noqa: B008
        await write(session)
        raise Conflict("nope, and the row above must not be stored")

    @app.post("/test/write-then-crash")
    async def crash(session: AsyncSession = Depends(db_session)) -> None:  # noqa: B008
        await write(session)
        raise RuntimeError("boom with password=hunter2 inside")

    @app.post("/test/write-ok")
    async def ok(session: AsyncSession = Depends(db_session)) -> dict[str, bool]:  # noqa: B008
        await write(session)
        return {"ok": True}


async def test_a_failed_request_leaves_nothing_behind(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    _add_write_then_fail_routes(app, client.id)
    assert_error(await api.post("/test/write-then-conflict"), 409, "conflict")
    crashed = assert_error(await api.post("/test/write-then-crash"), 500, "internal")
    assert "hunter2" not in str(crashed)
    assert "boom" not in str(crashed["message"])
    assert await _users(app) == 0
    assert (await api.post("/test/write-ok")).status_code == 200
    assert await _users(app) == 1


async def test_unknown_route_and_method(api: httpx.AsyncClient) -> None:
    assert_error(await api.get("/v1/nope"), 404, "not_found")
    assert_error(await api.put("/v1/auth/connect_token"), 405, "invalid_request")


async def test_malformed_json_body(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    response = await api.post(
        "/v1/auth/connect_token",
        content=b'{"client_user_id": ',
        headers={"Content-Type": "application/json"},
        auth=client.auth,
    )
    error = assert_error(response, 422, "invalid_request")
    assert "JSON" in str(error["message"])


async def test_validation_errors_never_echo_the_input(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    secret_looking = "hunter2-" + "x" * 300
    response = await api.post(
        "/v1/auth/connect_token", json={"client_user_id": secret_looking}, auth=client.auth
    )
    assert_error(response, 422, "invalid_request")
    assert "hunter2" not in response.text


async def test_request_ids_are_unique_or_echo_a_safe_caller_id(api: httpx.AsyncClient) -> None:
    a = await api.get("/healthz")
    b = await api.get("/healthz")
    assert a.headers["x-request-id"] != b.headers["x-request-id"]
    mine = await api.get("/healthz", headers={"X-Request-Id": "trace-1234abcd"})
    assert mine.headers["x-request-id"] == "trace-1234abcd"
    unsafe = await api.get("/healthz", headers={"X-Request-Id": "<script>alert(1)</script>"})
    assert unsafe.headers["x-request-id"].startswith("req_")
