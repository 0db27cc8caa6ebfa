from __future__ import annotations

from datetime import timedelta

import httpx
from fastapi import FastAPI
from sqlalchemy import select

from gridlink.kit import tokens
from gridlink.kit.clock import ManualClock
from gridlink.kit.ids import new_id
from gridlink.links.service import CONNECT_LINK_TTL, find_usable_link, mark_link_used
from gridlink.models import ConnectLink
from tests.credentials.helpers import add_credential
from tests.factories import TestClient, assert_error, make_client


async def _create(api: httpx.AsyncClient, client: TestClient, credential_id: str) -> httpx.Response:
    return await api.post(f"/v1/utility_credentials/{credential_id}/connect_link", auth=client.auth)


async def _link(app: FastAPI, api: httpx.AsyncClient, client: TestClient) -> tuple[str, str, str]:
    """(credential id, link id, token) of a new link."""
    credential_id = await add_credential(app, client)
    response = await _create(api, client, credential_id)
    assert response.status_code == 201, response.text
    token = response.json()["url"].split("#token=", 1)[1]
    return credential_id, response.json()["id"], token


async def _find(app: FastAPI, token: str) -> ConnectLink | None:
    async with app.state.db.transaction(write=False) as session:
        return await find_usable_link(session, app.state.clock, token)


async def _mark_used(app: FastAPI, link_id: str) -> bool:
    async with app.state.db.transaction() as session:
        return await mark_link_used(session, app.state.clock, link_id)


async def _statuses(api: httpx.AsyncClient, client: TestClient, credential_id: str) -> list[str]:
    response = await api.get(
        f"/v1/utility_credentials/{credential_id}/connect_links", auth=client.auth
    )
    assert response.status_code == 200, response.text
    return [link["status"] for link in response.json()["data"]]


async def test_a_link_carries_its_token_in_the_fragment_and_is_stored_hashed(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    credential_id = await add_credential(app, client)
    response = await _create(api, client, credential_id)
    assert response.status_code == 201, response.text
    body = response.json()
    assert set(body) == {"id", "url", "expires_at"}
    public_url = app.state.settings.resolved_public_url()
    prefix = f"{public_url}/connect/link?client={client.id}#token="
    assert body["url"].startswith(prefix)
    token = body["url"][len(prefix) :]
    assert tokens.parse(token, tokens.TokenKind.CONNECT_LINK) == "sandbox"
    assert body["expires_at"] == "2026-01-18T12:00:00Z"  # 72 hours
    async with app.state.db.transaction(write=False) as session:
        row = await session.scalar(select(ConnectLink).where(ConnectLink.id == body["id"]))
    assert row is not None
    assert row.token_hash == tokens.digest(token)
    assert row.credential_id == credential_id
    assert token not in str(row.__dict__)


async def test_a_live_clients_link_is_a_live_token(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app, environment="live")
    _, _, token = await _link(app, api, client)
    assert tokens.parse(token, tokens.TokenKind.CONNECT_LINK) == "live"


async def test_a_link_lives_72_hours(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    credential_id, link_id, token = await _link(app, api, client)
    clock.advance(CONNECT_LINK_TTL - timedelta(seconds=1))
    found = await _find(app, token)
    assert found is not None
    assert (found.id, found.client_id, found.credential_id) == (link_id, client.id, credential_id)
    clock.advance(timedelta(seconds=2))  # 72 h + 1 s
    assert await _find(app, token) is None
    assert not await _mark_used(app, link_id)
    assert await _statuses(api, client, credential_id) == ["expired"]


async def test_moving_the_sandbox_clock_does_not_expire_a_link(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    _, _, token = await _link(app, api, client)
    await api.post("/v1/sandbox/clock", json={"advance_seconds": 4 * 86400}, auth=client.auth)
    assert await _find(app, token) is not None


async def test_a_used_link_is_dead(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    credential_id, link_id, token = await _link(app, api, client)
    assert await _mark_used(app, link_id)
    assert not await _mark_used(app, link_id)  # spent once only
    assert await _find(app, token) is None
    revoked = await api.delete(f"/v1/connect_links/{link_id}", auth=client.auth)
    assert revoked.status_code == 204
    assert await _statuses(api, client, credential_id) == ["used"]


async def test_a_revoked_link_is_dead_and_revoking_is_idempotent(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    credential_id, link_id, token = await _link(app, api, client)
    for _ in range(2):
        response = await api.delete(f"/v1/connect_links/{link_id}", auth=client.auth)
        assert response.status_code == 204
    assert await _find(app, token) is None
    assert not await _mark_used(app, link_id)
    assert await _statuses(api, client, credential_id) == ["revoked"]


async def test_foreign_and_unknown_links_cannot_be_revoked(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    mine = await make_client(app)
    theirs = await make_client(app, name="Other")
    _, link_id, token = await _link(app, api, theirs)
    for target in (link_id, new_id("clk"), "not-an-id"):
        response = await api.delete(f"/v1/connect_links/{target}", auth=mine.auth)
        assert response.status_code == 204
    assert await _find(app, token) is not None


async def test_malformed_tokens_find_nothing(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    _, _, token = await _link(app, api, client)
    for candidate in (
        "",
        token[:-1],
        token + "x",
        tokens.generate(tokens.TokenKind.CONNECT_LINK, "sandbox"),
        tokens.generate(tokens.TokenKind.CONNECT_TOKEN, "sandbox"),
    ):
        assert await _find(app, candidate) is None


async def test_links_are_listed_with_their_status_and_never_their_token(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app)
    credential_id = await add_credential(app, client)
    created = [(await _create(api, client, credential_id)).json() for _ in range(4)]
    await _mark_used(app, created[1]["id"])
    await api.delete(f"/v1/connect_links/{created[2]['id']}", auth=client.auth)
    response = await api.get(
        f"/v1/utility_credentials/{credential_id}/connect_links",
        params={"limit": 3},
        auth=client.auth,
    )
    body = response.json()
    assert [link["id"] for link in body["data"]] == [c["id"] for c in created[:3]]
    assert [link["status"] for link in body["data"]] == ["active", "used", "revoked"]
    assert body["has_more"] is True
    assert set(body["data"][0]) == {
        "id",
        "utility_credential_id",
        "status",
        "created_at",
        "expires_at",
        "used_at",
        "revoked_at",
        "redirect_uri",
    }
    for link in created:
        assert link["url"].split("#token=")[1] not in response.text
    clock.advance(CONNECT_LINK_TTL)
    assert await _statuses(api, client, credential_id) == ["expired", "used", "revoked", "expired"]


async def test_unknown_and_foreign_credentials_answer_alike(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    mine = await make_client(app)
    theirs = await make_client(app, name="Other")
    foreign = await add_credential(app, theirs)
    messages = set()
    for credential_id in (foreign, new_id("ucr"), "not-an-id"):
        created = await _create(api, mine, credential_id)
        listed = await api.get(
            f"/v1/utility_credentials/{credential_id}/connect_links", auth=mine.auth
        )
        messages.add(assert_error(created, 404, "not_found")["message"])
        messages.add(assert_error(listed, 404, "not_found")["message"])
    assert len(messages) == 1


async def test_deleting_the_credential_kills_its_links(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    credential_id, _, token = await _link(app, api, client)
    await api.delete(f"/v1/utility_credentials/{credential_id}", auth=client.auth)
    assert await _find(app, token) is None


RETURN = "https://app.acme.example/utility/done"


async def test_a_link_may_name_a_registered_redirect_uri_which_its_session_returns_to(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app, redirect_uris=[RETURN])
    credential_id = await add_credential(app, client)
    created = await api.post(
        f"/v1/utility_credentials/{credential_id}/connect_link",
        json={"redirect_uri": RETURN},
        auth=client.auth,
    )
    assert created.status_code == 201, created.text
    token = created.json()["url"].split("#token=", 1)[1]
    assert RETURN not in created.json()["url"]  # the URL carries only the token
    listed = await api.get(
        f"/v1/utility_credentials/{credential_id}/connect_links", auth=client.auth
    )
    assert listed.json()["data"][0]["redirect_uri"] == RETURN
    opened = await api.post("/connect/api/sessions", json={"connect_link_token": token})
    assert opened.status_code == 200, opened.text
    assert opened.json()["session"]["return_uri"] == RETURN
    bearer = opened.json()["session_token"]
    again = await api.get("/connect/api/session", headers={"Authorization": f"Bearer {bearer}"})
    assert again.json()["return_uri"] == RETURN


async def test_a_link_without_redirect_uri_offers_no_return(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app, redirect_uris=[RETURN])
    _credential_id, _link_id, token = await _link(app, api, client)
    opened = await api.post("/connect/api/sessions", json={"connect_link_token": token})
    assert opened.json()["session"]["return_uri"] is None


async def test_an_unregistered_redirect_uri_is_refused(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app, redirect_uris=[RETURN])
    credential_id = await add_credential(app, client)
    for uri in (RETURN + "/other", RETURN.upper(), "https://evil.example/"):
        response = await api.post(
            f"/v1/utility_credentials/{credential_id}/connect_link",
            json={"redirect_uri": uri},
            auth=client.auth,
        )
        error = assert_error(response, 422, "invalid_request")
        assert "exactly match one registered" in str(error["message"])
        assert error["fields"] == ["redirect_uri"]
    assert await _statuses(api, client, credential_id) == []  # nothing was made
