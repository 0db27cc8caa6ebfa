from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI

from gridlink.kit.clock import ManualClock
from gridlink.sandbox.schemas import MAX_OFFSET_SECONDS
from tests.factories import TestClient, assert_error, make_client


async def _clock(api: httpx.AsyncClient, client: TestClient) -> dict[str, object]:
    response = await api.get("/v1/sandbox/clock", auth=client.auth)
    assert response.status_code == 200, response.text
    body: dict[str, object] = response.json()
    return body


async def test_a_new_sandbox_clock_shows_real_time(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    assert await _clock(api, client) == {"now": "2026-01-15T12:00:00Z", "offset_seconds": 0}


async def test_advance_moves_this_clients_clock_only(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    other = await make_client(app, name="Other")
    moved = await api.post("/v1/sandbox/clock", json={"advance_seconds": 86400}, auth=client.auth)
    assert moved.status_code == 200, moved.text
    assert moved.json() == {"now": "2026-01-16T12:00:00Z", "offset_seconds": 86400}
    clock.advance(timedelta(minutes=1))  # real time goes on underneath
    assert await _clock(api, client) == {"now": "2026-01-16T12:01:00Z", "offset_seconds": 86400}
    assert (await _clock(api, other))["offset_seconds"] == 0


async def test_moving_to_a_time_rounds_up_to_the_second(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    moved = await api.post(
        "/v1/sandbox/clock", json={"now": "2026-01-20T12:00:00.25+00:00"}, auth=client.auth
    )
    assert moved.status_code == 200, moved.text
    assert moved.json() == {"now": "2026-01-20T12:00:01Z", "offset_seconds": 5 * 86400 + 1}
    same = await api.post(
        "/v1/sandbox/clock", json={"now": "2026-01-20T12:00:01Z"}, auth=client.auth
    )
    assert same.json()["offset_seconds"] == 5 * 86400 + 1  # not earlier: allowed, no change


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "advance_seconds"),
        ({"advance_seconds": 60, "now": "2026-02-01T00:00:00Z"}, "advance_seconds"),
        ({"advance_seconds": 0}, "advance_seconds"),
        ({"advance_seconds": -60}, "advance_seconds"),
        ({"advance_seconds": MAX_OFFSET_SECONDS + 1}, "advance_seconds"),
        ({"now": "2026-01-15T11:59:59Z"}, "now"),
        ({"now": "2026-02-01T00:00:00"}, "now"),  # no time zone
        ({"now": "9999-12-31T00:00:00Z"}, "now"),
        ({"speed": 2}, "speed"),
    ],
)
async def test_bad_moves_are_invalid_requests(
    app: FastAPI, api: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    client = await make_client(app)
    response = await api.post("/v1/sandbox/clock", json=body, auth=client.auth)
    error = assert_error(response, 422, "invalid_request")
    assert field in (error.get("fields") or [])  # type: ignore[operator]
    assert (await _clock(api, client))["offset_seconds"] == 0


async def test_the_clock_never_goes_back(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    await api.post("/v1/sandbox/clock", json={"advance_seconds": 7200}, auth=client.auth)
    back = await api.post(
        "/v1/sandbox/clock", json={"now": "2026-01-15T13:00:00Z"}, auth=client.auth
    )
    error = assert_error(back, 422, "invalid_request")
    assert "only moves forward" in str(error["message"])
    assert (await _clock(api, client))["offset_seconds"] == 7200


async def test_the_total_offset_is_bounded(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    first = await api.post(
        "/v1/sandbox/clock", json={"advance_seconds": MAX_OFFSET_SECONDS}, auth=client.auth
    )
    assert first.status_code == 200, first.text
    again = await api.post("/v1/sandbox/clock", json={"advance_seconds": 1}, auth=client.auth)
    assert_error(again, 422, "invalid_request")


async def test_concurrent_moves_all_count(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    responses = await asyncio.gather(
        *(
            api.post("/v1/sandbox/clock", json={"advance_seconds": 60}, auth=client.auth)
            for _ in range(6)
        )
    )
    assert [r.status_code for r in responses] == [200] * 6
    assert sorted(r.json()["offset_seconds"] for r in responses) == [60 * i for i in range(1, 7)]
    assert (await _clock(api, client))["offset_seconds"] == 360


async def test_live_clients_get_what_an_unknown_route_answers(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    live = await make_client(app, environment="live")
    unknown = await api.get("/v1/no_such_route", auth=live.auth)
    expected = assert_error(unknown, 404, "not_found")
    for method, body in (("GET", None), ("POST", {"advance_seconds": 60})):
        response = await api.request(method, "/v1/sandbox/clock", json=body, auth=live.auth)
        error = assert_error(response, 404, "not_found")
        assert {k: v for k, v in error.items() if k != "request_id"} == {
            k: v for k, v in expected.items() if k != "request_id"
        }
        assert response.headers["content-type"] == unknown.headers["content-type"]
    assert (await api.get("/v1/sandbox/clock")).status_code == 401


async def test_our_own_tokens_keep_real_time(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    """The sandbox clock moves utility-side time only: an access token (1 hour) still works
    after the sandbox clock jumped a month, and still expires by real time."""
    client = await make_client(app)
    issued = await api.post(
        "/v1/auth/token", data={"grant_type": "client_credentials"}, auth=client.auth
    )
    bearer = {"authorization": f"Bearer {issued.json()['access_token']}"}
    moved = await api.post(
        "/v1/sandbox/clock", json={"advance_seconds": 30 * 86400}, headers=bearer
    )
    assert moved.status_code == 200, moved.text
    assert (await api.get("/v1/sandbox/clock", headers=bearer)).status_code == 200
    connect = await api.post(
        "/v1/auth/connect_token", json={"client_user_id": "user-1"}, headers=bearer
    )
    assert connect.json()["expires_at"] == "2026-01-15T16:00:00Z"  # 4 h of real time
    clock.advance(timedelta(hours=1))
    assert_error(await api.get("/v1/sandbox/clock", headers=bearer), 401, "unauthorized")


async def test_an_idempotent_retry_does_not_move_twice(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    headers = {"Idempotency-Key": "move-once"}
    for _ in range(2):
        response = await api.post(
            "/v1/sandbox/clock", json={"advance_seconds": 60}, headers=headers, auth=client.auth
        )
        assert response.json()["offset_seconds"] == 60
    assert (await _clock(api, client))["offset_seconds"] == 60
