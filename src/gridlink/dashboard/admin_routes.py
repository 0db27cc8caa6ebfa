"""What admins manage: clients (origins, branding, secrets) and webhook endpoints. Secrets are
in the answer once and nowhere else."""

from __future__ import annotations

from fastapi import APIRouter

from gridlink.auth.dependencies import AppClock, Session
from gridlink.clients.schemas import ClientCreated, SecretRotated
from gridlink.dashboard import admin
from gridlink.dashboard.dependencies import Admin, Id, Support
from gridlink.dashboard.schemas import (
    ClientEdit,
    DashboardClient,
    EndpointCreated,
    EndpointRow,
    NewClientIn,
    NewEndpointIn,
)
from gridlink.events.schemas import EventOut
from gridlink.kit.openapi import error_responses
from gridlink.webhooks.routes import AppKeyring, AppTargets
from gridlink.webhooks.schemas import SecretRotated as EndpointSecret

# Not in /docs (the integrators' API): documented in docs/reference/dashboard-api.md.
router = APIRouter(prefix="/dashboard/api", tags=["Dashboard"], include_in_schema=False)


@router.post(
    "/clients",
    status_code=201,
    response_model=ClientCreated,
    responses=error_responses(401, 403, 422),
)
async def create_client(
    session: Session, clock: AppClock, operator: Admin, body: NewClientIn
) -> ClientCreated:
    return await admin.create_client(session, clock, operator, body)


@router.patch(
    "/clients/{client_id}",
    response_model=DashboardClient,
    responses=error_responses(401, 403, 404, 422),
)
async def update_client(
    session: Session, clock: AppClock, operator: Admin, client_id: Id, body: ClientEdit
) -> DashboardClient:
    return await admin.update_client(session, clock, operator, client_id, body)


@router.post(
    "/clients/{client_id}/rotate_secret",
    response_model=SecretRotated,
    responses=error_responses(401, 403, 404),
)
async def rotate_client_secret(
    session: Session, clock: AppClock, operator: Admin, client_id: Id
) -> SecretRotated:
    return await admin.rotate_client_secret(session, clock, operator, client_id)


@router.post(
    "/webhook_endpoints",
    status_code=201,
    response_model=EndpointCreated,
    responses=error_responses(401, 403, 404, 409, 422),
)
async def create_endpoint(
    session: Session,
    clock: AppClock,
    keyring: AppKeyring,
    targets: AppTargets,
    operator: Admin,
    body: NewEndpointIn,
) -> EndpointCreated:
    row, secret = await admin.create_endpoint(session, clock, keyring, targets, operator, body)
    return EndpointCreated(**row.model_dump(), secret=secret)


@router.post(
    "/webhook_endpoints/{endpoint_id}/disable",
    response_model=EndpointRow,
    responses=error_responses(401, 403, 404),
)
async def disable_endpoint(
    session: Session, clock: AppClock, targets: AppTargets, operator: Admin, endpoint_id: Id
) -> EndpointRow:
    return await admin.set_endpoint_enabled(session, clock, targets, operator, endpoint_id, False)


@router.post(
    "/webhook_endpoints/{endpoint_id}/enable",
    response_model=EndpointRow,
    responses=error_responses(401, 403, 404),
)
async def enable_endpoint(
    session: Session, clock: AppClock, targets: AppTargets, operator: Admin, endpoint_id: Id
) -> EndpointRow:
    return await admin.set_endpoint_enabled(session, clock, targets, operator, endpoint_id, True)


@router.post(
    "/webhook_endpoints/{endpoint_id}/rotate_secret",
    response_model=EndpointSecret,
    responses=error_responses(401, 403, 404),
)
async def rotate_endpoint_secret(
    session: Session, clock: AppClock, keyring: AppKeyring, operator: Admin, endpoint_id: Id
) -> EndpointSecret:
    return await admin.rotate_endpoint_secret(session, clock, keyring, operator, endpoint_id)


@router.post(
    "/webhook_endpoints/{endpoint_id}/test",
    status_code=202,
    response_model=EventOut,
    responses=error_responses(401, 403, 404, 409),
)
async def send_test(
    session: Session, clock: AppClock, operator: Support, endpoint_id: Id
) -> EventOut:
    return await admin.send_test(session, clock, operator, endpoint_id)
