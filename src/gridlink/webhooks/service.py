"""Webhook endpoints: registration (with the outbound guard), secrets, test events, the log."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.auth.service import AuthenticatedClient
from gridlink.errors import Conflict, InvalidRequest, NotFound
from gridlink.events.schemas import EventOut
from gridlink.events.service import record_event
from gridlink.events.types import EventType
from gridlink.kit.clock import Clock
from gridlink.kit.ids import new_id
from gridlink.kit.keyring import Ring
from gridlink.kit.pagination import Page, PageParams, build_page
from gridlink.models import WebhookEndpoint
from gridlink.webhooks.delivery_repository import DeliveryRepository
from gridlink.webhooks.repository import EndpointRepository
from gridlink.webhooks.schemas import (
    DeliveryAttemptOut,
    SecretRotated,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointOut,
    WebhookEndpointUpdate,
)
from gridlink.webhooks.sealing import seal_secret
from gridlink.webhooks.signing import generate_secret
from gridlink.webhooks.targets import Targets, UnsafeTarget

MAX_ENDPOINTS_PER_CLIENT = 20
ROTATION_OVERLAP = timedelta(hours=24)

ENDPOINT_NOT_FOUND = "No webhook endpoint with this id. List yours with GET /v1/webhook_endpoints."


def to_out(endpoint: WebhookEndpoint) -> WebhookEndpointOut:
    return WebhookEndpointOut(
        id=endpoint.id,
        url=endpoint.url,
        events=[EventType(t) for t in endpoint.event_types] if endpoint.event_types else None,
        description=endpoint.description,
        enabled=endpoint.enabled,
        disabled_reason=endpoint.disabled_reason,
        previous_secret_expires_at=endpoint.previous_secret_expires_at,
        created_at=endpoint.created_at,
        updated_at=endpoint.updated_at,
    )


async def check_url(url: str, client: AuthenticatedClient, targets: Targets) -> None:
    try:
        await targets.policy(client.environment).check_url(url, targets.resolver)
    except UnsafeTarget as exc:
        raise InvalidRequest(f"url is not allowed: {exc}.", fields=["url"]) from exc


def _event_types(events: list[EventType] | None) -> list[str] | None:
    if events is None:
        return None
    if EventType.TEST in events:
        raise InvalidRequest(
            "events cannot include test: test events are sent only by "
            "POST /v1/webhook_endpoints/{id}/test.",
            fields=["events"],
        )
    return sorted({e.value for e in events})


async def _get(
    session: AsyncSession, client: AuthenticatedClient, endpoint_id: str
) -> WebhookEndpoint:
    endpoint = await EndpointRepository(session).get(client.id, endpoint_id)
    if endpoint is None:
        raise NotFound(ENDPOINT_NOT_FOUND)
    return endpoint


async def create_endpoint(
    session: AsyncSession,
    clock: Clock,
    keyring: Ring,
    targets: Targets,
    client: AuthenticatedClient,
    body: WebhookEndpointCreate,
) -> WebhookEndpointCreated:
    event_types = _event_types(body.events)
    await check_url(body.url, client, targets)
    repo = EndpointRepository(session)
    if await repo.count(client.id) >= MAX_ENDPOINTS_PER_CLIENT:
        raise Conflict(
            f"A client can have at most {MAX_ENDPOINTS_PER_CLIENT} webhook endpoints; delete "
            "one first (one endpoint can receive every event type)."
        )
    now = clock.now()
    endpoint_id = new_id("whe")
    secret = generate_secret()
    endpoint = WebhookEndpoint(
        id=endpoint_id,
        client_id=client.id,
        url=body.url,
        description=body.description,
        event_types=event_types,
        enabled=True,
        disabled_reason=None,
        secret_sealed=seal_secret(keyring, client.id, endpoint_id, secret),
        previous_secret_sealed=None,
        previous_secret_expires_at=None,
        failing_since=None,
        created_at=now,
        updated_at=now,
    )
    await repo.add(endpoint)
    return WebhookEndpointCreated(**to_out(endpoint).model_dump(), secret=secret)


async def list_endpoints(
    session: AsyncSession, client: AuthenticatedClient, params: PageParams
) -> Page[WebhookEndpointOut]:
    rows = await EndpointRepository(session).page(client.id, params.after, params.limit)
    return build_page([to_out(e) for e in rows], [e.id for e in rows], params.limit)


async def get_endpoint(
    session: AsyncSession, client: AuthenticatedClient, endpoint_id: str
) -> WebhookEndpointOut:
    return to_out(await _get(session, client, endpoint_id))


async def update_endpoint(
    session: AsyncSession,
    clock: Clock,
    targets: Targets,
    client: AuthenticatedClient,
    endpoint_id: str,
    body: WebhookEndpointUpdate,
) -> WebhookEndpointOut:
    endpoint = await _get(session, client, endpoint_id)
    sent = body.model_fields_set
    now = clock.now()
    if "url" in sent:
        if body.url is None:
            raise InvalidRequest(
                "url cannot be null: send the new URL, or leave url out to keep it.",
                fields=["url"],
            )
        await check_url(body.url, client, targets)
        endpoint.url = body.url
    if "events" in sent:
        endpoint.event_types = _event_types(body.events)
    if "description" in sent:
        endpoint.description = body.description
    if body.enabled is True and not endpoint.enabled:
        endpoint.enabled, endpoint.disabled_reason, endpoint.failing_since = True, None, None
    elif body.enabled is False and endpoint.enabled:
        endpoint.enabled, endpoint.disabled_reason = False, "manual"
        await DeliveryRepository(session).fail_pending(endpoint.id, now, "endpoint disabled")
    endpoint.updated_at = now
    await EndpointRepository(session).save(endpoint)
    return to_out(endpoint)


async def delete_endpoint(
    session: AsyncSession, client: AuthenticatedClient, endpoint_id: str
) -> None:
    if not await EndpointRepository(session).delete(client.id, endpoint_id):
        raise NotFound(ENDPOINT_NOT_FOUND)


async def rotate_secret(
    session: AsyncSession,
    clock: Clock,
    keyring: Ring,
    client: AuthenticatedClient,
    endpoint_id: str,
) -> SecretRotated:
    """A new secret; the current one keeps signing (next to it) for 24 hours. Rotating again
    within those hours drops the oldest secret."""
    endpoint = await _get(session, client, endpoint_id)
    now = clock.now()
    secret = generate_secret()
    endpoint.previous_secret_sealed = endpoint.secret_sealed
    endpoint.previous_secret_expires_at = now + ROTATION_OVERLAP
    endpoint.secret_sealed = seal_secret(keyring, client.id, endpoint.id, secret)
    endpoint.updated_at = now
    await EndpointRepository(session).save(endpoint)
    return SecretRotated(
        id=endpoint.id, secret=secret, previous_secret_expires_at=now + ROTATION_OVERLAP
    )


async def send_test_event(
    session: AsyncSession, clock: Clock, client: AuthenticatedClient, endpoint_id: str
) -> EventOut:
    endpoint = await _get(session, client, endpoint_id)
    if not endpoint.enabled:
        raise Conflict("This endpoint is disabled; enable it (PATCH enabled=true) first.")
    return await record_event(
        session,
        clock,
        client_id=client.id,
        type=EventType.TEST,
        data={},
        only_endpoint_id=endpoint.id,
    )


async def list_attempts(
    session: AsyncSession, client: AuthenticatedClient, endpoint_id: str, params: PageParams
) -> Page[DeliveryAttemptOut]:
    """Newest first."""
    endpoint = await _get(session, client, endpoint_id)
    rows = await DeliveryRepository(session).attempts_page(endpoint.id, params.after, params.limit)
    items = [
        DeliveryAttemptOut(
            id=a.id,
            delivery_id=a.delivery_id,
            event_id=a.event_id,
            event_type=a.event_type,
            attempt=a.attempt,
            attempted_at=a.attempted_at,
            status_code=a.status_code,
            duration_ms=a.duration_ms,
            error=a.error,
            outcome=a.outcome,
            next_attempt_at=a.next_attempt_at,
        )
        for a in rows
    ]
    return build_page(items, [a.id for a in rows], params.limit)
