"""The webhook endpoints API: success and error paths, on both databases."""

from __future__ import annotations

import httpx
import pytest
from cryptography.exceptions import InvalidTag
from fastapi import FastAPI
from sqlalchemy import select

from gridlink.models import WebhookDelivery, WebhookEndpoint
from gridlink.webhooks.sealing import open_secret
from tests.event_helpers import emit_user_deleted
from tests.factories import assert_error, make_client
from tests.receiver import Receiver
from tests.webhooks.conftest import DispatcherFactory, make_endpoint
from tests.webhooks.test_targets import stub_resolver

URL = "/v1/webhook_endpoints"


async def test_create_shows_the_secret_once_and_stores_it_sealed(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    created = await make_endpoint(
        api, client, "http://localhost:4000/hook", description="local", events=["user_deleted"]
    )
    assert created["secret"].startswith("whsec_")
    assert created["events"] == ["user_deleted"]
    assert created["enabled"] is True
    fetched = await api.get(f"{URL}/{created['id']}", auth=client.auth)
    assert fetched.status_code == 200
    assert "secret" not in fetched.json()
    assert fetched.json() == {k: v for k, v in created.items() if k != "secret"}

    async with app.state.db.transaction() as session:
        row = await session.scalar(select(WebhookEndpoint))
    assert row is not None
    assert created["secret"].encode() not in row.secret_sealed
    keyring = app.state.keyring
    assert open_secret(keyring, client.id, row.id, row.secret_sealed) == created["secret"]
    with pytest.raises(InvalidTag):  # bound to its endpoint: another id cannot open it
        open_secret(keyring, client.id, "whe_other", row.secret_sealed)


async def test_two_endpoints_never_share_a_secret(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    first = await make_endpoint(api, client, "http://localhost:4000/a")
    second = await make_endpoint(api, client, "http://localhost:4000/b")
    assert first["secret"] != second["secret"]


async def test_list_pages_through_endpoints(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    made = [
        (await make_endpoint(api, client, f"http://localhost:4000/{i}"))["id"] for i in range(3)
    ]
    first = (await api.get(f"{URL}?limit=2", auth=client.auth)).json()
    assert first["has_more"] is True
    second = await api.get(f"{URL}?limit=2&cursor={first['next_cursor']}", auth=client.auth)
    assert [e["id"] for e in first["data"] + second.json()["data"]] == made


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"url": "ftp://localhost/hook"}, "url"),
        ({"url": "http://10.0.0.7/hook"}, "url"),
        ({"url": "http://localhost/hook", "events": ["test"]}, "events"),
        ({"url": "http://localhost/hook", "events": ["no_such_event"]}, "events.0"),
        ({"url": "http://localhost/hook", "events": []}, "events"),
        ({"url": "http://localhost/hook", "secret": "mine"}, "secret"),
    ],
)
async def test_invalid_registrations_name_the_field(
    app: FastAPI, api: httpx.AsyncClient, body: dict[str, object], field: str
) -> None:
    client = await make_client(app)
    error = assert_error(await api.post(URL, json=body, auth=client.auth), 422, "invalid_request")
    assert error["fields"] == [field]


async def test_live_clients_need_public_https(app: FastAPI, api: httpx.AsyncClient) -> None:
    app.state.webhook_resolver = stub_resolver(
        {"hooks.acme.example": ["93.184.216.34"], "internal.acme.example": ["10.0.0.5"]}
    )
    client = await make_client(app, environment="live")
    await make_endpoint(api, client, "https://hooks.acme.example/gridlink")
    for url in (
        "http://hooks.acme.example/gridlink",
        "https://internal.acme.example/gridlink",
        "https://127.0.0.1:8443/hook",
        "https://169.254.169.254/latest",
    ):
        response = await api.post(URL, json={"url": url}, auth=client.auth)
        assert assert_error(response, 422, "invalid_request")["fields"] == ["url"], url
    patch = await api.patch(
        f"{URL}/{(await api.get(URL, auth=client.auth)).json()['data'][0]['id']}",
        json={"url": "https://internal.acme.example/x"},
        auth=client.auth,
    )
    assert_error(patch, 422, "invalid_request")


async def test_foreign_and_unknown_endpoints_look_alike(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    owner = await make_client(app)
    stranger = await make_client(app, name="Other")
    endpoint = await make_endpoint(api, owner, "http://localhost:4000/hook")
    for path in (endpoint["id"], "whe_unknown"):
        responses = [
            await api.get(f"{URL}/{path}", auth=stranger.auth),
            await api.patch(f"{URL}/{path}", json={"enabled": False}, auth=stranger.auth),
            await api.delete(f"{URL}/{path}", auth=stranger.auth),
            await api.post(f"{URL}/{path}/rotate_secret", auth=stranger.auth),
            await api.post(f"{URL}/{path}/test", auth=stranger.auth),
            await api.get(f"{URL}/{path}/deliveries", auth=stranger.auth),
        ]
        messages = {assert_error(r, 404, "not_found")["message"] for r in responses}
        assert len(messages) == 1
    assert (await api.get(URL, auth=stranger.auth)).json()["data"] == []


async def test_patch_changes_only_what_is_sent(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    endpoint = await make_endpoint(
        api, client, "http://localhost:4000/hook", events=["user_deleted"], description="d"
    )
    url = f"{URL}/{endpoint['id']}"
    changed = await api.patch(url, json={"url": "http://127.0.0.1:5000/x"}, auth=client.auth)
    assert changed.status_code == 200, changed.text
    body = changed.json()
    assert (body["url"], body["events"], body["description"]) == (
        "http://127.0.0.1:5000/x",
        ["user_deleted"],
        "d",
    )
    every = (await api.patch(url, json={"events": None}, auth=client.auth)).json()
    assert every["events"] is None
    null_url = await api.patch(url, json={"url": None}, auth=client.auth)
    assert assert_error(null_url, 422, "invalid_request")["fields"] == ["url"]


async def test_disabling_fails_pending_deliveries_and_enabling_resumes(
    app: FastAPI, api: httpx.AsyncClient, receiver: Receiver, make_dispatcher: DispatcherFactory
) -> None:
    client = await make_client(app)
    endpoint = await make_endpoint(api, client, receiver.url)
    url = f"{URL}/{endpoint['id']}"
    pending = await emit_user_deleted(app, client.id, "user-1")
    off = (await api.patch(url, json={"enabled": False}, auth=client.auth)).json()
    assert (off["enabled"], off["disabled_reason"]) == (False, "manual")
    await emit_user_deleted(app, client.id, "user-2")  # not queued for a disabled endpoint
    assert await (await make_dispatcher()).run_once() == 0
    async with app.state.db.transaction() as session:
        [delivery] = (await session.scalars(select(WebhookDelivery))).all()
    assert (delivery.event_id, delivery.status) == (pending.id, "failed")
    conflict = await api.post(f"{URL}/{endpoint['id']}/test", auth=client.auth)
    assert_error(conflict, 409, "conflict")

    on = (await api.patch(url, json={"enabled": True}, auth=client.auth)).json()
    assert (on["enabled"], on["disabled_reason"]) == (True, None)
    again = await api.post(
        f"/v1/events/{pending.id}/redeliver",
        json={"webhook_endpoint_id": endpoint["id"]},
        auth=client.auth,
    )
    assert again.status_code == 202, again.text
    assert await (await make_dispatcher()).run_once() == 1
    assert receiver.ids() == {pending.id}


async def test_test_event_goes_to_that_endpoint_only(
    app: FastAPI, api: httpx.AsyncClient, receiver: Receiver, make_dispatcher: DispatcherFactory
) -> None:
    client = await make_client(app)
    endpoint = await make_endpoint(api, client, receiver.url)
    await make_endpoint(api, client, receiver.url + "/other")
    response = await api.post(f"{URL}/{endpoint['id']}/test", auth=client.auth)
    assert response.status_code == 202, response.text
    event = response.json()
    assert event["type"] == "test"
    assert event["data"] == {"message": "This is a test event from Gridlink."}
    assert await (await make_dispatcher()).run_once() == 1
    [request] = receiver.requests
    assert (request.path, request.webhook_id) == ("/hooks", event["id"])


async def test_delete_drops_the_endpoint_and_its_queue(
    app: FastAPI, api: httpx.AsyncClient, make_dispatcher: DispatcherFactory
) -> None:
    client = await make_client(app)
    endpoint = await make_endpoint(api, client, "http://127.0.0.1:9/never")
    await emit_user_deleted(app, client.id, "user-1")
    assert (await api.delete(f"{URL}/{endpoint['id']}", auth=client.auth)).status_code == 204
    assert_error(await api.get(f"{URL}/{endpoint['id']}", auth=client.auth), 404, "not_found")
    assert await (await make_dispatcher()).run_once() == 0
    events = await api.get("/v1/events", auth=client.auth)
    assert len(events.json()["data"]) == 1  # the event itself stays readable


async def test_at_most_twenty_endpoints(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    for i in range(20):
        await make_endpoint(api, client, f"http://localhost:4000/{i}")
    response = await api.post(URL, json={"url": "http://localhost/21"}, auth=client.auth)
    assert_error(response, 409, "conflict")


async def test_create_is_idempotent(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    headers = {"Idempotency-Key": "create-hook-1"}
    body = {"url": "http://localhost:4000/hook"}
    first = await api.post(URL, json=body, headers=headers, auth=client.auth)
    second = await api.post(URL, json=body, headers=headers, auth=client.auth)
    assert first.status_code == second.status_code == 201
    assert first.json() == second.json()
    assert second.headers["idempotent-replayed"] == "true"
    assert len((await api.get(URL, auth=client.auth)).json()["data"]) == 1
