from __future__ import annotations

import httpx
from fastapi import FastAPI
from sqlalchemy import func, select

from gridlink.models import ConnectToken, User, UtilityCredential
from tests.factories import TestClient, assert_error, make_client, make_credential


async def _connect_token(api: httpx.AsyncClient, client: TestClient, user: str) -> None:
    response = await api.post(
        "/v1/auth/connect_token", json={"client_user_id": user}, auth=client.auth
    )
    assert response.status_code == 200, response.text


async def test_users_appear_with_their_first_connect_token_once(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    for _ in range(2):
        await _connect_token(api, client, "user-a")
    body = (await api.get("/v1/users", auth=client.auth)).json()
    assert [u["client_user_id"] for u in body["data"]] == ["user-a"]
    assert body["has_more"] is False
    assert body["next_cursor"] is None


async def test_cursor_pagination_visits_every_user_once(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    created = [f"user-{i:02d}" for i in range(23)]
    for user in created:
        await _connect_token(api, client, user)
    seen: list[str] = []
    cursor = None
    pages = 0
    while True:
        params: dict[str, str | int] = {"limit": 10}
        if cursor:
            params["cursor"] = cursor
        body = (await api.get("/v1/users", params=params, auth=client.auth)).json()
        seen += [u["client_user_id"] for u in body["data"]]
        pages += 1
        if not body["has_more"]:
            assert body["next_cursor"] is None
            break
        cursor = body["next_cursor"]
    assert pages == 3
    assert seen == created


async def test_bad_paging_parameters(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    for params in ({"limit": 0}, {"limit": 101}, {"cursor": "%%%"}, {"cursor": "bm9wZQ"}):
        response = await api.get("/v1/users", params=params, auth=client.auth)
        assert_error(response, 422, "invalid_request")


async def test_get_user_and_ids_with_slashes(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    odd_id = "tenant/42/user é"
    await _connect_token(api, client, odd_id)
    response = await api.get(f"/v1/users/{odd_id}", auth=client.auth)
    assert response.status_code == 200, response.text
    assert response.json()["client_user_id"] == odd_id


async def test_foreign_user_answers_exactly_like_an_unknown_one(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    mine = await make_client(app)
    theirs = await make_client(app, name="Other")
    await _connect_token(api, theirs, "shared-name")
    foreign = await api.get("/v1/users/shared-name", auth=mine.auth)
    unknown = await api.get("/v1/users/never-seen", auth=mine.auth)
    a, b = assert_error(foreign, 404, "not_found"), assert_error(unknown, 404, "not_found")
    assert a["message"] == b["message"]
    listing = (await api.get("/v1/users", auth=mine.auth)).json()
    assert listing["data"] == []


async def test_delete_removes_everything_and_is_idempotent(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    other = await make_client(app, name="Other")
    await _connect_token(api, client, "user-a")
    await _connect_token(api, other, "user-a")
    await make_credential(app, client, "user-a")
    first = await api.delete("/v1/users/user-a", auth=client.auth)
    second = await api.delete("/v1/users/user-a", auth=client.auth)
    assert (first.status_code, second.status_code) == (204, 204)
    assert first.content == b""
    assert_error(await api.get("/v1/users/user-a", auth=client.auth), 404, "not_found")
    async with app.state.db.transaction() as session:
        counts = {
            model.__name__: await session.scalar(
                select(func.count()).select_from(model).where(model.client_id == client.id)
            )
            for model in (User, ConnectToken, UtilityCredential)
        }
        others = await session.scalar(
            select(func.count()).select_from(User).where(User.client_id == other.id)
        )
    assert counts == {"User": 0, "ConnectToken": 0, "UtilityCredential": 0}
    assert others == 1  # the other client's user of the same name is untouched


async def test_deleting_a_foreign_user_changes_nothing(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    mine = await make_client(app)
    theirs = await make_client(app, name="Other")
    await _connect_token(api, theirs, "victim")
    assert (await api.delete("/v1/users/victim", auth=mine.auth)).status_code == 204
    assert (await api.get("/v1/users/victim", auth=theirs.auth)).status_code == 200
