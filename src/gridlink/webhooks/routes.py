from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Path, Request, Response

from gridlink.auth.dependencies import (
    AppClock,
    AppSettings,
    CurrentClient,
    Session,
    current_client,
)
from gridlink.events.schemas import NO_NUL, EventOut
from gridlink.idempotency.dependencies import idempotent_for
from gridlink.kit.keyring import Ring
from gridlink.kit.openapi import error_responses, links
from gridlink.kit.pagination import Page, PageParams, page_params
from gridlink.webhooks import service
from gridlink.webhooks.schemas import (
    DeliveryAttemptOut,
    SecretRotated,
    WebhookEndpointCreate,
    WebhookEndpointCreated,
    WebhookEndpointOut,
    WebhookEndpointUpdate,
)
from gridlink.webhooks.targets import Resolver, Targets, system_resolver

router = APIRouter(tags=["Webhooks"])

EndpointIdPath = Annotated[
    str, Path(min_length=1, max_length=40, pattern=NO_NUL, description="Endpoint id.")
]
Idempotent = [Depends(idempotent_for(current_client))]


def get_keyring(request: Request) -> Ring:
    keyring: Ring = request.app.state.keyring
    return keyring


def get_targets(request: Request, settings: AppSettings) -> Targets:
    """What the URL check needs: name resolution (tests put a stub on ``app.state``) and
    whether this server lets sandbox clients use loopback receivers."""
    resolver: Resolver = getattr(request.app.state, "webhook_resolver", system_resolver)
    return Targets(resolver, settings.webhook_loopback_allowed())


AppKeyring = Annotated[Ring, Depends(get_keyring)]
AppTargets = Annotated[Targets, Depends(get_targets)]
ENDPOINT = "/v1/webhook_endpoints/{endpoint_id}"
NEW_ENDPOINT = {"endpoint_id": "$response.body#/id"}


@router.post(
    "/webhook_endpoints",
    summary="Register a webhook endpoint",
    status_code=201,
    response_model=WebhookEndpointCreated,
    dependencies=Idempotent,
    responses={
        **error_responses(401, 409, 422),
        **links(
            201,
            GetEndpoint=(f"GET {ENDPOINT}", NEW_ENDPOINT),
            UpdateEndpoint=(f"PATCH {ENDPOINT}", NEW_ENDPOINT),
            DeleteEndpoint=(f"DELETE {ENDPOINT}", NEW_ENDPOINT),
            RotateSecret=(f"POST {ENDPOINT}/rotate_secret", NEW_ENDPOINT),
            SendTest=(f"POST {ENDPOINT}/test", NEW_ENDPOINT),
            ListDeliveries=(f"GET {ENDPOINT}/deliveries", NEW_ENDPOINT),
        ),
    },
)
async def create_endpoint(
    body: WebhookEndpointCreate,
    client: CurrentClient,
    session: Session,
    clock: AppClock,
    keyring: AppKeyring,
    targets: AppTargets,
) -> WebhookEndpointCreated:
    """The answer holds the endpoint's signing secret (`whsec_...`), shown only this once.
    Every delivery is signed with it per Standard Webhooks; see the webhooks guide."""
    return await service.create_endpoint(session, clock, keyring, targets, client, body)


@router.get(
    "/webhook_endpoints",
    summary="List webhook endpoints",
    response_model=Page[WebhookEndpointOut],
    responses=error_responses(401, 422),
)
async def list_endpoints(
    client: CurrentClient, session: Session, params: Annotated[PageParams, Depends(page_params)]
) -> Page[WebhookEndpointOut]:
    return await service.list_endpoints(session, client, params)


@router.get(
    "/webhook_endpoints/{endpoint_id}",
    summary="Get a webhook endpoint",
    response_model=WebhookEndpointOut,
    responses=error_responses(401, 404, 422),
)
async def get_endpoint(
    client: CurrentClient, session: Session, endpoint_id: EndpointIdPath
) -> WebhookEndpointOut:
    return await service.get_endpoint(session, client, endpoint_id)


@router.patch(
    "/webhook_endpoints/{endpoint_id}",
    summary="Change a webhook endpoint's URL, events or state",
    response_model=WebhookEndpointOut,
    responses=error_responses(401, 404, 422),
)
async def update_endpoint(
    body: WebhookEndpointUpdate,
    client: CurrentClient,
    session: Session,
    clock: AppClock,
    targets: AppTargets,
    endpoint_id: EndpointIdPath,
) -> WebhookEndpointOut:
    return await service.update_endpoint(session, clock, targets, client, endpoint_id, body)


@router.delete(
    "/webhook_endpoints/{endpoint_id}",
    summary="Delete a webhook endpoint",
    status_code=204,
    response_class=Response,
    responses=error_responses(401, 404, 422),
)
async def delete_endpoint(
    client: CurrentClient, session: Session, endpoint_id: EndpointIdPath
) -> Response:
    """Pending deliveries to it are dropped; events stay readable with GET /v1/events."""
    await service.delete_endpoint(session, client, endpoint_id)
    return Response(status_code=204)


@router.post(
    "/webhook_endpoints/{endpoint_id}/rotate_secret",
    summary="Rotate an endpoint's signing secret",
    response_model=SecretRotated,
    dependencies=Idempotent,
    responses=error_responses(401, 404, 422),
)
async def rotate_secret(
    client: CurrentClient,
    session: Session,
    clock: AppClock,
    keyring: AppKeyring,
    endpoint_id: EndpointIdPath,
) -> SecretRotated:
    """For 24 hours every delivery carries two signatures (old and new secret), so you can
    deploy the new secret without dropping a webhook."""
    return await service.rotate_secret(session, clock, keyring, client, endpoint_id)


@router.post(
    "/webhook_endpoints/{endpoint_id}/test",
    summary="Send a test event to an endpoint",
    status_code=202,
    response_model=EventOut,
    dependencies=Idempotent,
    responses=error_responses(401, 404, 409, 422),
)
async def send_test(
    client: CurrentClient, session: Session, clock: AppClock, endpoint_id: EndpointIdPath
) -> EventOut:
    """Queues a `test` event for this endpoint only; watch it arrive in .../deliveries."""
    return await service.send_test_event(session, clock, client, endpoint_id)


@router.get(
    "/webhook_endpoints/{endpoint_id}/deliveries",
    summary="The delivery log of an endpoint",
    response_model=Page[DeliveryAttemptOut],
    responses=error_responses(401, 404, 422),
)
async def list_deliveries(
    client: CurrentClient,
    session: Session,
    endpoint_id: EndpointIdPath,
    params: Annotated[PageParams, Depends(page_params)],
) -> Page[DeliveryAttemptOut]:
    """Every attempt, newest first: status code, duration, error and the next attempt."""
    return await service.list_attempts(session, client, endpoint_id, params)
