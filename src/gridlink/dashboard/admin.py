"""What admins manage from the dashboard: clients and webhook endpoints.

Clients go through the same service as `gridlink clients` (its checks of origins, redirect URIs
and branding); endpoints through the webhooks service the API uses. Secrets are shown once, in
the answer, and never audited.
"""

from __future__ import annotations

from datetime import timedelta

from pydantic import TypeAdapter, ValidationError
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.clients import service as clients
from gridlink.clients.schemas import ClientCreated, SecretRotated
from gridlink.dashboard.repository import DashboardRepository
from gridlink.dashboard.schemas import (
    ClientEdit,
    DashboardClient,
    EndpointRow,
    NewClientIn,
    NewEndpointIn,
)
from gridlink.dashboard.service import (
    acting_client,
    audit,
    client_of,
    dashboard_client,
    endpoint_row,
)
from gridlink.errors import InvalidRequest
from gridlink.events.schemas import EventOut
from gridlink.kit.clock import Clock
from gridlink.kit.keyring import Ring
from gridlink.operators.principal import OperatorPrincipal
from gridlink.webhooks import service as webhooks
from gridlink.webhooks.schemas import SecretRotated as EndpointSecret
from gridlink.webhooks.schemas import WebhookEndpointCreate, WebhookEndpointUpdate
from gridlink.webhooks.targets import Targets

ENDPOINT_NOT_FOUND = "No webhook endpoint with this id is visible to you."
# The dashboard rotates at once, like `gridlink clients rotate-secret` does by default.
SECRET_GRACE = timedelta(hours=24)


def _invalid(error: clients.ClientError) -> InvalidRequest:
    return InvalidRequest(str(error))


async def create_client(
    session: AsyncSession, clock: Clock, operator: OperatorPrincipal, body: NewClientIn
) -> ClientCreated:
    if operator.client_ids is not None:
        raise InvalidRequest(
            "You are limited to some clients, so you cannot create one; ask an admin who sees "
            "every client."
        )
    spec = clients.NewClient(
        name=body.name,
        origins=body.allowed_origins,
        redirect_uris=body.redirect_uris,
        environment=body.environment,
    )
    try:
        created = await clients.create_client(session, clock, spec)
    except clients.ClientError as error:
        raise _invalid(error) from None
    await audit(
        session,
        clock,
        operator,
        "client.create",
        ("client", created.client_id),
        created.client_id,
        name=body.name,
        environment=body.environment,
    )
    return created


async def update_client(
    session: AsyncSession,
    clock: Clock,
    operator: OperatorPrincipal,
    client_id: str,
    body: ClientEdit,
) -> DashboardClient:
    current = await acting_client(session, operator, client_id)
    origins = _edit(current.allowed_origins, body.allowed_origins)
    uris = _edit(current.redirect_uris, body.redirect_uris)
    changes = clients.ClientChanges(
        name=body.name,
        add_origins=origins[0],
        remove_origins=origins[1],
        add_redirect_uris=uris[0],
        remove_redirect_uris=uris[1],
        logo_url=_branding(body, "logo_url"),
        accent_color=_branding(body, "accent_color"),
    )
    try:
        updated = await clients.update_client(session, clock, client_id, changes)
    except clients.ClientError as error:
        raise _invalid(error) from None
    await audit(
        session,
        clock,
        operator,
        "client.update",
        ("client", client_id),
        client_id,
        fields=sorted(body.model_fields_set),
    )
    return dashboard_client(updated)


def _branding(body: ClientEdit, field: str) -> str | None:
    """The CLI's convention: None keeps the value, "" removes it."""
    if body.branding is None:
        return None
    value: str | None = getattr(body.branding, field)
    return value or ""


def _edit(current: tuple[str, ...], wanted: list[str] | None) -> tuple[list[str], list[str]]:
    """(to add, to remove) to turn ``current`` into ``wanted``; nothing when not given."""
    if wanted is None:
        return [], []
    return sorted(set(wanted) - set(current)), sorted(set(current) - set(wanted))


async def rotate_client_secret(
    session: AsyncSession, clock: Clock, operator: OperatorPrincipal, client_id: str
) -> SecretRotated:
    await acting_client(session, operator, client_id)
    rotated = await clients.rotate_secret(session, clock, client_id, SECRET_GRACE)
    await audit(session, clock, operator, "client.rotate_secret", ("client", client_id), client_id)
    return rotated


async def _endpoint_client(
    session: AsyncSession, operator: OperatorPrincipal, endpoint_id: str
) -> str:
    client = await client_of(session, operator, "webhook_endpoint", endpoint_id, ENDPOINT_NOT_FOUND)
    return client.id


_EVENTS = TypeAdapter(WebhookEndpointCreate)


async def create_endpoint(
    session: AsyncSession,
    clock: Clock,
    keyring: Ring,
    targets: Targets,
    operator: OperatorPrincipal,
    body: NewEndpointIn,
) -> tuple[EndpointRow, str]:
    client = await acting_client(session, operator, body.client_id)
    try:
        spec = _EVENTS.validate_python({"url": body.url, "events": body.enabled_events})
    except ValidationError as error:
        raise InvalidRequest(
            "enabled_events must name event types from GET /v1/events' catalogue, or be left "
            f"out for every type ({error.error_count()} problem(s)).",
            fields=["enabled_events"],
        ) from None
    created = await webhooks.create_endpoint(session, clock, keyring, targets, client, spec)
    await audit(
        session,
        clock,
        operator,
        "endpoint.create",
        ("webhook_endpoint", created.id),
        client.id,
        url=body.url,
    )
    row = await DashboardRepository(session).endpoints(operator.client_ids, client.id)
    endpoint = next(e for e in row if e.id == created.id)
    return endpoint_row(endpoint), created.secret


async def set_endpoint_enabled(
    session: AsyncSession,
    clock: Clock,
    targets: Targets,
    operator: OperatorPrincipal,
    endpoint_id: str,
    enabled: bool,
) -> EndpointRow:
    client_id = await _endpoint_client(session, operator, endpoint_id)
    client = await acting_client(session, operator, client_id)
    await webhooks.update_endpoint(
        session, clock, targets, client, endpoint_id, WebhookEndpointUpdate(enabled=enabled)
    )
    action = "endpoint.enable" if enabled else "endpoint.disable"
    await audit(session, clock, operator, action, ("webhook_endpoint", endpoint_id), client_id)
    rows = await DashboardRepository(session).endpoints(operator.client_ids, client_id)
    return endpoint_row(next(e for e in rows if e.id == endpoint_id))


async def rotate_endpoint_secret(
    session: AsyncSession,
    clock: Clock,
    keyring: Ring,
    operator: OperatorPrincipal,
    endpoint_id: str,
) -> EndpointSecret:
    client_id = await _endpoint_client(session, operator, endpoint_id)
    client = await acting_client(session, operator, client_id)
    rotated = await webhooks.rotate_secret(session, clock, keyring, client, endpoint_id)
    await audit(
        session,
        clock,
        operator,
        "endpoint.rotate_secret",
        ("webhook_endpoint", endpoint_id),
        client_id,
    )
    return rotated


async def send_test(
    session: AsyncSession, clock: Clock, operator: OperatorPrincipal, endpoint_id: str
) -> EventOut:
    client_id = await _endpoint_client(session, operator, endpoint_id)
    client = await acting_client(session, operator, client_id)
    event = await webhooks.send_test_event(session, clock, client, endpoint_id)
    await audit(
        session,
        clock,
        operator,
        "endpoint.test",
        ("webhook_endpoint", endpoint_id),
        client_id,
        event_id=event.id,
    )
    return event
