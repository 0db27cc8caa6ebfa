from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema

from gridlink.events.schemas import NO_NUL
from gridlink.events.types import EventType

_URL = Field(
    max_length=2000,
    pattern=NO_NUL,
    description="Where events are POSTed. Live clients: https, on a public address. Sandbox "
    "clients may also use http://localhost or http://127.0.0.1 for local development.",
)
# What an endpoint may subscribe to: every type but `test` (the service refuses it with a message
# saying why; the document says so too, so a request valid by the schema is never refused).
Subscribable = Annotated[
    EventType,
    WithJsonSchema(
        {"type": "string", "enum": [e.value for e in EventType if e is not EventType.TEST]}
    ),
]
_EVENTS = Field(
    default=None,
    min_length=1,
    description="Event types to receive; omit (or null) for every type. `test` is sent only "
    "by POST /v1/webhook_endpoints/{id}/test.",
)
_ENDPOINT_EXAMPLE: dict[str, Any] = {
    "id": "whe_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
    "url": "https://app.acme.example/webhooks/gridlink",
    "events": ["utility_credential_verified", "utility_credential_rejected"],
    "description": "Production receiver",
    "enabled": True,
    "disabled_reason": None,
    "previous_secret_expires_at": None,
    "created_at": "2026-11-21T10:00:00Z",
    "updated_at": "2026-11-21T10:00:00Z",
}
_SECRET_EXAMPLE = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSwMfKQ9r8GKYo="  # noqa: S105 - docs


class WebhookEndpointCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"url": "https://app.acme.example/webhooks/gridlink"},
                {
                    "url": "https://app.acme.example/webhooks/gridlink",
                    "events": ["utility_credential_verified", "utility_credential_rejected"],
                    "description": "Production receiver",
                },
            ]
        },
    )

    url: str = _URL
    events: list[Subscribable] | None = _EVENTS
    description: str | None = Field(default=None, max_length=500, pattern=NO_NUL)


class WebhookEndpointUpdate(BaseModel):
    """Only the fields sent change. `events: null` subscribes to every type."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"enabled": True}, {"events": None}, {"url": "https://new.example/hook"}]
        },
    )

    url: str | None = Field(default=None, max_length=2000, pattern=NO_NUL)
    events: list[Subscribable] | None = _EVENTS
    enabled: bool | None = Field(
        default=None,
        description="false pauses deliveries (pending ones fail; redeliver them later); true "
        "re-enables an endpoint, including one Gridlink disabled.",
    )
    description: str | None = Field(default=None, max_length=500, pattern=NO_NUL)


class WebhookEndpointOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_ENDPOINT_EXAMPLE]})

    id: str
    url: str
    # Defaults only so that examples may leave out nulls (the OpenAPI document drops them).
    events: list[EventType] | None = Field(default=None, description="null: every type.")
    description: str | None = None
    enabled: bool
    disabled_reason: Literal["gone", "failing", "manual"] | None = Field(
        default=None,
        description="Why the endpoint is disabled: `gone` (it answered 410), `failing` (every "
        "attempt failed for 5 days) or `manual` (PATCH enabled=false).",
    )
    previous_secret_expires_at: datetime | None = Field(
        default=None, description="After a rotation, the old secret also signs until then."
    )
    created_at: datetime
    updated_at: datetime


class WebhookEndpointCreated(WebhookEndpointOut):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{**_ENDPOINT_EXAMPLE, "secret": _SECRET_EXAMPLE}]}
    )

    secret: str = Field(
        description="The signing secret, shown only now: store it to verify signatures."
    )


class SecretRotated(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "whe_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                    "secret": _SECRET_EXAMPLE,
                    "previous_secret_expires_at": "2026-11-22T10:00:00Z",
                }
            ]
        }
    )

    id: str
    secret: str = Field(description="The new signing secret, shown only now.")
    previous_secret_expires_at: datetime = Field(
        description="Until then both secrets sign every delivery; deploy the new one before."
    )


class DeliveryAttemptOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "wha_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                    "delivery_id": "whd_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                    "event_id": "evt_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                    "event_type": "utility_credential_verified",
                    "attempt": 2,
                    "attempted_at": "2026-11-21T10:00:05Z",
                    "status_code": 503,
                    "duration_ms": 41,
                    "error": "the receiver answered HTTP 503",
                    "outcome": "retrying",
                    "next_attempt_at": "2026-11-21T10:05:07Z",
                }
            ]
        }
    )

    id: str
    delivery_id: str
    event_id: str = Field(description="Also the `webhook-id` header of the request.")
    event_type: str
    attempt: int = Field(description="1 for the first attempt of this delivery.")
    attempted_at: datetime
    status_code: int | None = Field(description="null when no HTTP answer came back.")
    duration_ms: int
    error: str | None
    outcome: Literal["succeeded", "retrying", "failed"]
    next_attempt_at: datetime | None
