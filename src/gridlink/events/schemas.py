from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gridlink.events.types import EventType
from gridlink.kit.pagination import Page

_EVENT_EXAMPLE: dict[str, Any] = {
    "id": "evt_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
    "type": "utility_credential_verified",
    "created_at": "2026-11-21T10:00:00.123456Z",
    "data": {
        "client_user_id": "3f2c8e0a-5b1d-4c8e-9a47-2d6f1b0c9e11",
        "utility_credential_id": "ucr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
        "sequence": 2,
        "utility_id": "sandbox_electric",
        "status": "verified",
        "status_detail": None,
        "action_required": False,
    },
}


# PostgreSQL text cannot hold NUL characters: refuse them as invalid input (422), not a 500.
NO_NUL = r"^[^\x00]*$"


class EventOut(BaseModel):
    """An event exactly as a webhook delivers it (the request body) and polling returns it."""

    model_config = ConfigDict(json_schema_extra={"examples": [_EVENT_EXAMPLE]})

    id: str = Field(description="Unique; also the `webhook-id` header. Use it to deduplicate.")
    type: EventType
    created_at: datetime
    data: dict[str, Any] = Field(
        description="Ids and statuses only. Events about a credential carry `client_user_id`, "
        "`utility_credential_id` and `sequence` (1, 2, 3... per credential, in commit order)."
    )


class EventPage(Page[EventOut]):
    next_cursor: str | None = Field(
        description="Pass as `cursor` next time: set whenever the page has events (and echoed "
        "on an empty page), so a poller resumes exactly after the last event it saw."
    )


class EventFilters(BaseModel):
    type: EventType | None = None
    client_user_id: str | None = None
    utility_credential_id: str | None = None
    created_after: datetime | None = None


class RedeliverRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{}, {"webhook_endpoint_id": "whe_01JD3Q2V7S9X8Y6Z5W4V3U2T"}]
        },
    )

    webhook_endpoint_id: str | None = Field(
        default=None,
        max_length=40,
        pattern=NO_NUL,
        description="Send to this endpoint only. Default: every enabled endpoint subscribed to "
        "the event's type.",
    )


class RedeliveryOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "event_id": "evt_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                    "webhook_endpoint_ids": ["whe_01JD3Q2V7S9X8Y6Z5W4V3U2T"],
                }
            ]
        }
    )

    event_id: str
    webhook_endpoint_ids: list[str] = Field(description="Endpoints the event is queued for.")
