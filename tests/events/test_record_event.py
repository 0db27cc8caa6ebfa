"""The one event writer: atomic with the caller's change, numbered, validated, thin."""

from __future__ import annotations

import asyncio
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import func, select

from gridlink.events.service import record_event
from gridlink.events.types import MAX_IDS, SPECS, EventType, InvalidEvent
from gridlink.models import Event, User, WebhookDelivery
from gridlink.users.repository import UserRepository
from tests.event_helpers import emit_credential_event, verified_data
from tests.factories import make_client, make_credential


class Boom(Exception):
    pass


async def _count(app: FastAPI, model: Any) -> int:
    async with app.state.db.transaction(write=False) as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_a_rolled_back_change_writes_no_event(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    created = await api.post(
        "/v1/webhook_endpoints", json={"url": "http://127.0.0.1:9/x"}, auth=client.auth
    )
    assert created.status_code == 201
    await make_credential(app, client, "user-1")

    async def delete_user_then_fail() -> None:
        async with app.state.db.transaction() as session:
            assert await UserRepository(session).delete(client.id, "user-1")
            await record_event(
                session,
                app.state.clock,
                client_id=client.id,
                type=EventType.USER_DELETED,
                data={},
                client_user_id="user-1",
            )
            raise Boom  # the change fails after the event was written

    with pytest.raises(Boom):
        await delete_user_then_fail()
    assert await _count(app, Event) == 0
    assert await _count(app, WebhookDelivery) == 0
    assert await _count(app, User) == 1  # the change itself was rolled back too
    assert (await api.get("/v1/events", auth=client.auth)).json()["data"] == []


async def test_the_event_and_its_deliveries_commit_together(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    for path in ("a", "b"):
        await api.post(
            "/v1/webhook_endpoints", json={"url": f"http://127.0.0.1:9/{path}"}, auth=client.auth
        )
    credential = await make_credential(app, client, "user-1")
    event = await emit_credential_event(app, client.id, credential)
    async with app.state.db.transaction(write=False) as session:
        deliveries = (await session.scalars(select(WebhookDelivery))).all()
    assert {d.event_id for d in deliveries} == {event.id}
    assert len(deliveries) == 2
    assert {d.status for d in deliveries} == {"pending"}


async def test_credential_events_carry_a_sequence_per_credential(app: FastAPI) -> None:
    client = await make_client(app)
    first = await make_credential(app, client, "user-1")
    second = await make_credential(app, client, "user-2")
    seen = [
        (await emit_credential_event(app, client.id, cred, user)).data["sequence"]
        for cred, user in [
            (first, "user-1"),
            (first, "user-1"),
            (second, "user-2"),
            (first, "user-1"),
        ]
    ]
    assert seen == [1, 2, 1, 3]


async def test_concurrent_writers_get_distinct_numbers_in_commit_order(app: FastAPI) -> None:
    """On PostgreSQL the counter row lock makes concurrent transactions queue; the numbers
    are then gap-free and follow commit order (SQLite has one writer at a time anyway)."""
    client = await make_client(app)
    credential = await make_credential(app, client, "user-1")
    committed: list[str] = []

    async def write(i: int) -> None:
        async with app.state.db.transaction() as session:
            event = await record_event(
                session,
                app.state.clock,
                client_id=client.id,
                type=EventType.UTILITY_CREDENTIAL_VERIFIED,
                data=verified_data(),
                client_user_id="user-1",
                utility_credential_id=credential,
            )
            await asyncio.sleep(0.01 * (i % 3))  # hold the transaction open a little
        committed.append(event.id)

    await asyncio.gather(*(write(i) for i in range(12)))
    async with app.state.db.transaction(write=False) as session:
        rows = (await session.scalars(select(Event).order_by(Event.position))).all()
    assert [e.sequence for e in rows] == list(range(1, 13))
    assert [e.position for e in rows] == list(range(1, 13))
    assert [e.id for e in rows] == committed  # numbered in the order they committed


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"type": "no_such_type", "data": {}, "client_user_id": "u"}, "unknown event type"),
        ({"type": "user_deleted", "data": {}}, "client_user_id is required"),
        (
            {
                "type": "user_deleted",
                "data": {},
                "client_user_id": "u",
                "utility_credential_id": "c",
            },
            "utility_credential_id is not allowed",
        ),
        (
            {"type": "utility_credential_verified", "data": verified_data(), "client_user_id": "u"},
            "utility_credential_id is required",
        ),
        (
            {
                "type": "utility_credential_verified",
                "data": verified_data(password="hunter2"),
                "client_user_id": "u",
                "utility_credential_id": "c",
            },
            "Extra inputs are not permitted",
        ),
        (
            {
                "type": "utility_accounts_discovered",
                "data": {"utility_id": "x", "utility_account_ids": ["a"] * (MAX_IDS + 1)},
                "client_user_id": "u",
                "utility_credential_id": "c",
            },
            "at most 250",
        ),
        ({"type": "test", "data": {"message": "x" * 201}}, "at most 200"),
    ],
)
async def test_invalid_events_are_refused(
    app: FastAPI, kwargs: dict[str, Any], message: str
) -> None:
    client = await make_client(app)
    with pytest.raises(InvalidEvent, match=message):
        async with app.state.db.transaction() as session:
            await record_event(session, app.state.clock, client_id=client.id, **kwargs)
    assert await _count(app, Event) == 0


EXAMPLES: dict[EventType, dict[str, Any]] = {
    EventType.UTILITY_CREDENTIAL_MFA_EXPIRING: {
        "utility_id": "sandbox_electric",
        "expires_at": "2026-12-01T00:00:00Z",
    },
    EventType.UTILITY_ACCOUNTS_DISCOVERED: {
        "utility_id": "sandbox_electric",
        "utility_account_ids": ["uac_" + "A" * 26] * MAX_IDS,
    },
    EventType.HISTORICAL_UTILITY_STATEMENTS_DISCOVERED: {
        "utility_account_id": "uac_1",
        "utility_statement_ids": ["ust_" + "B" * 26] * MAX_IDS,
    },
    EventType.NEW_UTILITY_STATEMENT_AVAILABLE: {
        "utility_account_id": "uac_1",
        "utility_statement_id": "ust_1",
    },
    EventType.HISTORICAL_UTILITY_INTERVALS_DISCOVERED: {
        "utility_account_id": "uac_1",
        "meter_id": "mtr_1",
        "start": "2025-01-01T00:00:00Z",
        "end": "2026-01-01T00:00:00Z",
    },
    EventType.NEW_UTILITY_INTERVALS_AVAILABLE: {
        "utility_account_id": "uac_1",
        "meter_id": "mtr_1",
        "start": "2026-01-01T00:00:00Z",
        "end": "2026-01-02T00:00:00Z",
    },
    EventType.WEBHOOK_ENDPOINT_DISABLED: {"webhook_endpoint_id": "whe_1", "reason": "gone"},
    EventType.TEST: {},
    EventType.USER_DELETED: {},
}


async def test_every_type_records_a_thin_payload_under_20_kb(app: FastAPI) -> None:
    client = await make_client(app)
    credential = await make_credential(app, client, "user-1")
    for event_type, spec in SPECS.items():
        ids: dict[str, str] = {}
        if spec.scope.value in ("credential", "user"):
            ids["client_user_id"] = "user-1"
        if spec.scope.value == "credential":
            ids["utility_credential_id"] = credential
        data = EXAMPLES.get(event_type, verified_data())
        async with app.state.db.transaction() as session:
            event = await record_event(
                session, app.state.clock, client_id=client.id, type=event_type, data=data, **ids
            )
        assert len(event.model_dump_json()) < 20 * 1024
        assert set(event.model_dump()) == {"id", "type", "created_at", "data"}
        allowed = set(spec.data.model_fields) | {
            "client_user_id",
            "utility_credential_id",
            "sequence",
        }
        assert set(event.data) <= allowed
        assert not {k for k in event.data if "secret" in k or "password" in k or "token" in k}
