"""Polling and replay: GET /v1/events, GET /v1/events/{id}, POST .../redeliver; user_deleted."""

from __future__ import annotations

import asyncio
import os
import sys
from datetime import timedelta
from urllib.parse import quote

import httpx
import orjson
import pytest
from fastapi import FastAPI

from gridlink.events.tail import UnknownClient, tail_events
from gridlink.kit.clock import ManualClock
from tests.event_helpers import emit_credential_event, emit_user_deleted
from tests.factories import assert_error, make_client, make_credential
from tests.receiver import Receiver
from tests.webhooks.conftest import DispatcherFactory, make_endpoint

URL = "/v1/events"


async def test_polling_pages_in_commit_order_and_resumes_from_the_cursor(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    first = [await emit_user_deleted(app, client.id, f"user-{i}") for i in range(3)]
    page = (await api.get(f"{URL}?limit=2", auth=client.auth)).json()
    assert [e["id"] for e in page["data"]] == [e.id for e in first[:2]]
    assert page["has_more"] is True
    page = (await api.get(f"{URL}?limit=2&cursor={page['next_cursor']}", auth=client.auth)).json()
    assert [e["id"] for e in page["data"]] == [first[2].id]
    assert page["has_more"] is False
    cursor = page["next_cursor"]
    assert cursor is not None  # kept on the last page so a poller can resume

    empty = (await api.get(f"{URL}?cursor={cursor}", auth=client.auth)).json()
    assert (empty["data"], empty["next_cursor"]) == ([], cursor)
    later = await emit_user_deleted(app, client.id, "user-late")
    resumed = (await api.get(f"{URL}?cursor={cursor}", auth=client.auth)).json()
    assert [e["id"] for e in resumed["data"]] == [later.id]


async def test_filters(app: FastAPI, api: httpx.AsyncClient, clock: ManualClock) -> None:
    client = await make_client(app)
    cred_a = await make_credential(app, client, "user-a")
    cred_b = await make_credential(app, client, "user-b")
    a1 = await emit_credential_event(app, client.id, cred_a, "user-a")
    clock.advance(timedelta(minutes=1))
    b1 = await emit_credential_event(app, client.id, cred_b, "user-b")
    gone = await emit_user_deleted(app, client.id, "user-a")

    async def ids(query: str) -> list[str]:
        response = await api.get(f"{URL}?{query}", auth=client.auth)
        assert response.status_code == 200, response.text
        return [e["id"] for e in response.json()["data"]]

    assert await ids("type=user_deleted") == [gone.id]
    assert await ids("client_user_id=user-a") == [a1.id, gone.id]
    assert await ids(f"utility_credential_id={cred_b}") == [b1.id]
    after = quote(a1.created_at.isoformat())
    assert await ids(f"created_after={after}") == [b1.id, gone.id]
    assert await ids("type=utility_credential_verified&client_user_id=user-b") == [b1.id]
    naive = quote(a1.created_at.replace(tzinfo=None).isoformat())  # no offset: UTC
    assert await ids(f"created_after={naive}") == [b1.id, gone.id]


@pytest.mark.parametrize(
    "query", ["type=nope", "cursor=!!", "cursor=" + "ZXZ0X2dvbmU", "created_after=yesterday"]
)
async def test_bad_queries_are_422(app: FastAPI, api: httpx.AsyncClient, query: str) -> None:
    client = await make_client(app)
    assert_error(await api.get(f"{URL}?{query}", auth=client.auth), 422, "invalid_request")


async def test_other_clients_events_are_invisible(app: FastAPI, api: httpx.AsyncClient) -> None:
    owner = await make_client(app)
    stranger = await make_client(app, name="Other")
    event = await emit_user_deleted(app, owner.id, "user-1")
    assert (await api.get(URL, auth=stranger.auth)).json()["data"] == []
    unknown = await api.get(f"{URL}/evt_unknown", auth=stranger.auth)
    foreign = await api.get(f"{URL}/{event.id}", auth=stranger.auth)
    assert assert_error(unknown, 404, "not_found") == {
        **assert_error(foreign, 404, "not_found"),
        "request_id": unknown.json()["error"]["request_id"],
    }
    redeliver = await api.post(f"{URL}/{event.id}/redeliver", auth=stranger.auth)
    assert_error(redeliver, 404, "not_found")
    own = await api.get(f"{URL}/{event.id}", auth=owner.auth)
    assert own.json()["data"] == {"client_user_id": "user-1"}


async def test_user_deleted_only_when_a_user_was_deleted(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    await make_credential(app, client, "user-1")
    for _ in range(2):  # the second delete finds nobody: still 204, no second event
        response = await api.delete("/v1/users/user-1", auth=client.auth)
        assert response.status_code == 204
    assert (await api.delete("/v1/users/never-existed", auth=client.auth)).status_code == 204
    events = (await api.get(URL, auth=client.auth)).json()["data"]
    assert [(e["type"], e["data"]) for e in events] == [
        ("user_deleted", {"client_user_id": "user-1"})
    ]


async def test_redeliver_sends_the_original_id_again(
    app: FastAPI, api: httpx.AsyncClient, receiver: Receiver, make_dispatcher: DispatcherFactory
) -> None:
    client = await make_client(app)
    endpoint = await make_endpoint(api, client, receiver.url)
    event = await emit_user_deleted(app, client.id, "user-1")
    dispatcher = await make_dispatcher()
    assert await dispatcher.run_once() == 1
    response = await api.post(f"{URL}/{event.id}/redeliver", auth=client.auth)
    assert response.status_code == 202, response.text
    assert response.json() == {"event_id": event.id, "webhook_endpoint_ids": [endpoint["id"]]}
    assert await dispatcher.run_once() == 1
    assert [r.webhook_id for r in receiver.requests] == [event.id, event.id]
    assert receiver.requests[0].body == receiver.requests[1].body


async def test_redeliver_without_a_taker_is_a_conflict(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    event = await emit_user_deleted(app, client.id, "user-1")
    assert_error(await api.post(f"{URL}/{event.id}/redeliver", auth=client.auth), 409, "conflict")
    endpoint = await make_endpoint(api, client, "http://127.0.0.1:9/x")
    other = await api.post(
        f"{URL}/{event.id}/redeliver", json={"webhook_endpoint_id": "whe_nope"}, auth=client.auth
    )
    assert_error(other, 409, "conflict")
    ok = await api.post(
        f"{URL}/{event.id}/redeliver",
        json={"webhook_endpoint_id": endpoint["id"]},
        auth=client.auth,
    )
    assert ok.status_code == 202


@pytest.mark.slow
async def test_cli_tail_prints_events_as_they_are_written(
    app: FastAPI, settings_env: dict[str, str]
) -> None:
    client = await make_client(app)
    await emit_user_deleted(app, client.id, "before")  # written before: not printed
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "gridlink",
        "events",
        "tail",
        "--client",
        client.id,
        env={**os.environ, **settings_env},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert process.stderr is not None
        assert process.stdout is not None
        started = await asyncio.wait_for(process.stderr.readline(), 60)
        assert b"tailing events" in started
        event = await emit_user_deleted(app, client.id, "after")
        line = await asyncio.wait_for(process.stdout.readline(), 30)
        printed = orjson.loads(line)
        assert printed == {"client_id": client.id, **event.model_dump(mode="json")}
    finally:
        process.kill()
        await process.wait()


async def test_tail_refuses_an_unknown_client(app: FastAPI) -> None:
    with pytest.raises(UnknownClient):
        await tail_events(app.state.db, "cli_unknown", print, asyncio.Event())
