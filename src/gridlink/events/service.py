"""Events: the one writer every domain calls inside its own transaction, and polling.

``record_event`` stores the event and its delivery rows (webhooks/outbox.py) in the caller's
transaction: a rollback leaves neither, a commit makes both visible at once.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.auth.service import AuthenticatedClient
from gridlink.errors import Conflict, InvalidRequest, NotFound
from gridlink.events.repository import EventRepository
from gridlink.events.schemas import EventFilters, EventOut, EventPage, RedeliveryOut
from gridlink.events.types import (
    MAX_PAYLOAD_BYTES,
    SPECS,
    EventType,
    InvalidEvent,
    Scope,
    check_scope,
    validate_data,
)
from gridlink.kit.clock import Clock
from gridlink.kit.ids import new_id
from gridlink.kit.pagination import PageParams, build_page, encode_cursor
from gridlink.models import Event
from gridlink.webhooks import outbox

RETENTION = timedelta(days=30)

EVENT_NOT_FOUND = "No event with this id. Events are kept 30 days; list them with GET /v1/events."


def to_out(event: Event) -> EventOut:
    return EventOut(
        id=event.id, type=EventType(event.type), created_at=event.created_at, data=event.data
    )


def _public_data(
    type_: EventType,
    data: dict[str, Any],
    client_user_id: str | None,
    utility_credential_id: str | None,
    sequence: int | None,
) -> dict[str, Any]:
    ids: dict[str, Any] = {}
    if client_user_id is not None:
        ids["client_user_id"] = client_user_id
    if utility_credential_id is not None:
        ids["utility_credential_id"] = utility_credential_id
        ids["sequence"] = sequence
    return {**ids, **validate_data(type_, data)}


async def record_event(
    session: AsyncSession,
    clock: Clock,
    *,
    client_id: str,
    type: EventType | str,
    data: dict[str, Any],
    client_user_id: str | None = None,
    utility_credential_id: str | None = None,
    only_endpoint_id: str | None = None,
) -> EventOut:
    """Record an event in the caller's transaction and queue it for the client's endpoints.

    ``data`` holds the type's own fields (events/types.py); the ids are passed separately and
    end up in ``data`` too. ``only_endpoint_id`` sends to that endpoint alone (the test event).
    Raises InvalidEvent when the type, ids or data break the catalogue.
    """
    try:
        event_type = EventType(type)
    except ValueError as exc:
        raise InvalidEvent(f"unknown event type {type!r}") from exc
    check_scope(event_type, client_user_id, utility_credential_id)
    repo = EventRepository(session)
    position = await repo.next_number(f"client:{client_id}")
    sequence = None
    if SPECS[event_type].scope is Scope.CREDENTIAL:
        sequence = await repo.next_number(f"credential:{utility_credential_id}")
    public = _public_data(event_type, data, client_user_id, utility_credential_id, sequence)
    event = Event(
        id=new_id("evt"),
        client_id=client_id,
        position=position,
        type=event_type.value,
        client_user_id=client_user_id,
        utility_credential_id=utility_credential_id,
        sequence=sequence,
        data=public,
        created_at=clock.now(),
    )
    out = to_out(event)
    if len(out.model_dump_json()) > MAX_PAYLOAD_BYTES:
        raise InvalidEvent(f"{event_type.value}: payload over {MAX_PAYLOAD_BYTES} bytes")
    await repo.add(event)
    await outbox.enqueue(
        session,
        clock,
        client_id=client_id,
        event_id=event.id,
        event_type=event.type,
        endpoint_ids=None if only_endpoint_id is None else [only_endpoint_id],
    )
    return out


async def list_events(
    session: AsyncSession, client: AuthenticatedClient, filters: EventFilters, params: PageParams
) -> EventPage:
    repo = EventRepository(session)
    after_position = None
    cursor_in = encode_cursor(params.after) if params.after is not None else None
    if params.after is not None:
        after_position = await repo.position_of(client.id, params.after)
        if after_position is None:
            raise InvalidRequest(
                "cursor points at an event that no longer exists (events are kept 30 days): "
                "start again without a cursor, or with created_after.",
                fields=["cursor"],
            )
    events = await repo.page(client.id, filters, after_position, params.limit)
    page = build_page([to_out(e) for e in events], [e.id for e in events], params.limit)
    # Unlike other lists, the cursor survives the last page: pollers resume from it.
    cursor = encode_cursor(page.data[-1].id) if page.data else cursor_in
    return EventPage(data=page.data, has_more=page.has_more, next_cursor=cursor)


async def get_event(session: AsyncSession, client: AuthenticatedClient, event_id: str) -> EventOut:
    event = await EventRepository(session).get(client.id, event_id)
    if event is None:
        raise NotFound(EVENT_NOT_FOUND)
    return to_out(event)


async def redeliver(
    session: AsyncSession,
    clock: Clock,
    client: AuthenticatedClient,
    event_id: str,
    endpoint_id: str | None,
) -> RedeliveryOut:
    """Queue the event again, with its original id, for one endpoint or every subscribed one."""
    event = await EventRepository(session).get(client.id, event_id)
    if event is None:
        raise NotFound(EVENT_NOT_FOUND)
    endpoint_ids = None if endpoint_id is None else [endpoint_id]
    queued = await outbox.enqueue(
        session,
        clock,
        client_id=client.id,
        event_id=event.id,
        event_type=event.type,
        endpoint_ids=endpoint_ids,
    )
    if not queued:
        raise Conflict(
            "No enabled webhook endpoint takes this event. Check webhook_endpoint_id, enable "
            "the endpoint (PATCH enabled=true) or subscribe it to the event's type."
        )
    return RedeliveryOut(event_id=event.id, webhook_endpoint_ids=queued)


async def purge_expired(session: AsyncSession, clock: Clock) -> int:
    """Worker job: events (and their delivery logs) older than the retention period."""
    return await EventRepository(session).purge_created_before(clock.now() - RETENTION)
