from __future__ import annotations

import asyncio
from datetime import timedelta

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from gridlink.kit.clock import ManualClock
from gridlink.models import ConnectToken, IdempotencyKey
from tests.factories import assert_error, make_client

URL = "/v1/auth/connect_token"


async def _count(app: FastAPI, model: type) -> int:
    async with app.state.db.transaction() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_same_key_and_body_replays_the_first_response(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    headers = {"Idempotency-Key": "6d1e2a1c-3b8f-4c55-9a0e-0d5b3f7c2e11"}
    body = {"client_user_id": "user-1"}
    first = await api.post(URL, json=body, headers=headers, auth=client.auth)
    second = await api.post(URL, json=body, headers=headers, auth=client.auth)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert "idempotent-replayed" not in first.headers
    assert await _count(app, ConnectToken) == 1


async def test_same_key_other_body_is_refused(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    headers = {"Idempotency-Key": "key-1"}
    await api.post(URL, json={"client_user_id": "a"}, headers=headers, auth=client.auth)
    other = await api.post(URL, json={"client_user_id": "b"}, headers=headers, auth=client.auth)
    assert assert_error(other, 422, "invalid_request")["fields"] == ["Idempotency-Key"]
    assert await _count(app, ConnectToken) == 1


async def test_keys_are_per_client(app: FastAPI, api: httpx.AsyncClient) -> None:
    one, two = await make_client(app), await make_client(app, name="Two")
    headers = {"Idempotency-Key": "shared"}
    a = await api.post(URL, json={"client_user_id": "u"}, headers=headers, auth=one.auth)
    b = await api.post(URL, json={"client_user_id": "u"}, headers=headers, auth=two.auth)
    assert a.json()["connect_token"] != b.json()["connect_token"]
    assert await _count(app, ConnectToken) == 2


async def test_errors_are_not_saved_so_a_fixed_retry_runs(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    headers = {"Idempotency-Key": "retry-me"}
    bad = await api.post(
        URL, json={"client_user_id": "u", "utility_id": "nope"}, headers=headers, auth=client.auth
    )
    assert bad.status_code == 422
    assert await _count(app, IdempotencyKey) == 0
    # Same key, same (still bad) body: evaluated again, not replayed.
    again = await api.post(
        URL, json={"client_user_id": "u", "utility_id": "nope"}, headers=headers, auth=client.auth
    )
    assert "idempotent-replayed" not in again.headers


async def test_keys_expire_after_24_hours(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    headers = {"Idempotency-Key": "daily"}
    body = {"client_user_id": "u"}
    first = await api.post(URL, json=body, headers=headers, auth=client.auth)
    clock.advance(timedelta(hours=23))
    replay = await api.post(URL, json=body, headers=headers, auth=client.auth)
    clock.advance(timedelta(hours=2))
    fresh = await api.post(URL, json=body, headers=headers, auth=client.auth)
    assert replay.json() == first.json()
    assert fresh.json()["connect_token"] != first.json()["connect_token"]
    assert "idempotent-replayed" not in fresh.headers


@pytest.mark.parametrize("key", [b"", b"x" * 256, "caf\u00e9".encode(), b"tab\there"])
async def test_malformed_keys(app: FastAPI, api: httpx.AsyncClient, key: bytes) -> None:
    client = await make_client(app)
    response = await api.post(
        URL,
        json={"client_user_id": "u"},
        headers={"Idempotency-Key": key},
        auth=client.auth,
    )
    assert_error(response, 422, "invalid_request")


async def test_saved_response_is_sealed(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    response = await api.post(
        URL, json={"client_user_id": "u"}, headers={"Idempotency-Key": "k"}, auth=client.auth
    )
    token = response.json()["connect_token"].encode()
    async with app.state.db.transaction() as session:
        record = (await session.scalars(select(IdempotencyKey))).one()
    assert record.response is not None
    assert token not in record.response
    assert b"connect_token" not in record.response
    assert record.key_hash != "k"


async def test_concurrent_requests_with_one_key_act_once(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    headers = {"Idempotency-Key": "race"}
    responses = await asyncio.gather(
        *[
            api.post(URL, json={"client_user_id": "u"}, headers=headers, auth=client.auth)
            for _ in range(8)
        ]
    )
    assert {r.status_code for r in responses} == {200}
    assert len({r.json()["connect_token"] for r in responses}) == 1
    assert await _count(app, ConnectToken) == 1
