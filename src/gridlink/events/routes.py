from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Body, Depends, Path, Query

from gridlink.auth.dependencies import AppClock, CurrentClient, Session, current_client
from gridlink.events import service
from gridlink.events.schemas import (
    NO_NUL,
    EventFilters,
    EventOut,
    EventPage,
    RedeliverRequest,
    RedeliveryOut,
)
from gridlink.events.types import EventType
from gridlink.idempotency.dependencies import idempotent_for
from gridlink.kit.openapi import error_responses
from gridlink.kit.pagination import PageParams, page_params

router = APIRouter(tags=["Events"])

EventIdPath = Annotated[
    str, Path(min_length=1, max_length=40, pattern=NO_NUL, description="The event's id.")
]


def event_filters(
    type: Annotated[EventType | None, Query(description="Only this event type.")] = None,
    client_user_id: Annotated[
        str | None,
        Query(min_length=1, max_length=255, pattern=NO_NUL, description="Only this end user's."),
    ] = None,
    utility_credential_id: Annotated[
        str | None,
        Query(min_length=1, max_length=40, pattern=NO_NUL, description="Only this credential's."),
    ] = None,
    created_after: Annotated[
        datetime | None,
        Query(description="Only events created after this time (ISO 8601; UTC without an offset)."),
    ] = None,
) -> EventFilters:
    if created_after is not None and created_after.tzinfo is None:
        created_after = created_after.replace(tzinfo=UTC)  # a time without offset means UTC
    return EventFilters(
        type=type,
        client_user_id=client_user_id,
        utility_credential_id=utility_credential_id,
        created_after=created_after,
    )


@router.get(
    "/events",
    summary="List events (polling, an alternative to webhooks)",
    response_model=EventPage,
    responses=error_responses(401, 422),
)
async def list_events(
    client: CurrentClient,
    session: Session,
    filters: Annotated[EventFilters, Depends(event_filters)],
    params: Annotated[PageParams, Depends(page_params)],
) -> EventPage:
    """Oldest first, in the order they were committed, so a poller never misses one. To poll,
    pass the `next_cursor` of your previous call: it is set on every page that has events
    (and echoed back on an empty one); `has_more` says whether more are waiting right now.
    Events are kept 30 days."""
    return await service.list_events(session, client, filters, params)


@router.get(
    "/events/{event_id}",
    summary="Get an event",
    response_model=EventOut,
    responses=error_responses(401, 404, 422),
)
async def get_event(client: CurrentClient, session: Session, event_id: EventIdPath) -> EventOut:
    return await service.get_event(session, client, event_id)


@router.post(
    "/events/{event_id}/redeliver",
    summary="Send an event to webhook endpoints again",
    status_code=202,
    response_model=RedeliveryOut,
    dependencies=[Depends(idempotent_for(current_client))],
    responses=error_responses(401, 404, 409, 422),
)
async def redeliver_event(
    client: CurrentClient,
    session: Session,
    clock: AppClock,
    event_id: EventIdPath,
    body: Annotated[
        RedeliverRequest | None,
        Body(
            openapi_examples={
                "every endpoint": {
                    "summary": "Every enabled endpoint subscribed to the event's type",
                    "value": {},
                },
                "one endpoint": {
                    "summary": "One endpoint",
                    "value": {"webhook_endpoint_id": "whe_01JD3Q2V7S9X8Y6Z5W4V3U2T1S"},
                },
            }
        ),
    ] = None,
) -> RedeliveryOut:
    """Queues a new delivery with the event's original id (the `webhook-id` header), so a
    receiver that already processed it can recognise the duplicate."""
    endpoint_id = body.webhook_endpoint_id if body else None
    return await service.redeliver(session, clock, client, event_id, endpoint_id)
