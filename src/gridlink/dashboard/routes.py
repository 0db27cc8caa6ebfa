"""What the dashboard reads (docs/reference/dashboard-api.md): any signed-in operator."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import FileResponse

from gridlink.auth.dependencies import AppClock, AppSettings, Session
from gridlink.dashboard import service
from gridlink.dashboard.dependencies import After, ClientFilter, Id, Limit, Viewer
from gridlink.dashboard.schemas import (
    CredentialDetail,
    CredentialPage,
    CredentialQuery,
    DashboardClient,
    EndpointPage,
    EventDetail,
    EventRowPage,
    Overview,
    UserDetail,
    UserPage,
    UtilityOption,
)
from gridlink.data import reads
from gridlink.data.files import FileStore
from gridlink.kit.openapi import error_responses

# Not in /docs (the integrators' API): documented in docs/reference/dashboard-api.md.
router = APIRouter(prefix="/dashboard/api", tags=["Dashboard"], include_in_schema=False)


@router.get("/clients", responses=error_responses(401))
async def clients(
    session: Session, clock: AppClock, operator: Viewer
) -> dict[str, list[DashboardClient]]:
    return {"data": await service.clients(session, clock, operator)}


@router.get("/utilities", responses=error_responses(401))
async def utilities(session: Session, operator: Viewer) -> dict[str, list[UtilityOption]]:
    """Every utility in the catalogue, for the credentials list's filter."""
    return {"data": await service.utilities(session)}


@router.get("/overview", response_model=Overview, responses=error_responses(401, 404))
async def overview(
    session: Session, clock: AppClock, operator: Viewer, client_id: ClientFilter = None
) -> Overview:
    return await service.overview(session, clock, operator, client_id)


@router.get("/credentials", response_model=CredentialPage, responses=error_responses(401, 404, 422))
async def credentials(
    session: Session,
    clock: AppClock,
    operator: Viewer,
    query: Annotated[CredentialQuery, Query()],
    after: After = None,
    limit: Limit = 25,
) -> CredentialPage:
    return await service.credentials(session, clock, operator, query, after, limit)


@router.get(
    "/credentials/{credential_id}",
    response_model=CredentialDetail,
    responses=error_responses(401, 404),
)
async def credential(
    session: Session, clock: AppClock, operator: Viewer, credential_id: Id
) -> CredentialDetail:
    return await service.credential_detail(session, clock, operator, credential_id)


@router.get("/statements/{statement_id}/pdf", responses=error_responses(401, 404))
async def statement_pdf(
    session: Session, settings: AppSettings, operator: Viewer, statement_id: Id
) -> FileResponse:
    """The bill's PDF, as GET /v1/utility_statements/{id}/pdf streams it."""
    client = await service.statement_client(session, operator, statement_id)
    files = FileStore(settings.resolved_files_dir())
    path = await reads.statement_pdf(session, client, files, statement_id)
    return FileResponse(path, media_type="application/pdf", filename=f"{statement_id}.pdf")


@router.get("/users", response_model=UserPage, responses=error_responses(401, 404, 422))
async def users(
    session: Session,
    operator: Viewer,
    client_id: ClientFilter = None,
    client_user_id: Annotated[str | None, Query(max_length=255)] = None,
    after: After = None,
    limit: Limit = 25,
) -> UserPage:
    return await service.users(session, operator, client_id, client_user_id, after, limit)


@router.get(
    "/users/{client_id}/{client_user_id}",
    response_model=UserDetail,
    responses=error_responses(401, 404),
)
async def user(
    session: Session, clock: AppClock, operator: Viewer, client_id: Id, client_user_id: str
) -> UserDetail:
    return await service.user_detail(session, clock, operator, client_id, client_user_id)


@router.get("/events", response_model=EventRowPage, responses=error_responses(401, 404, 422))
async def events(
    session: Session,
    operator: Viewer,
    client_id: ClientFilter = None,
    type: Annotated[str | None, Query(max_length=60)] = None,
    credential_id: Annotated[str | None, Query(max_length=40)] = None,
    after: After = None,
    limit: Limit = 25,
) -> EventRowPage:
    return await service.events(session, operator, client_id, type, credential_id, after, limit)


@router.get("/events/{event_id}", response_model=EventDetail, responses=error_responses(401, 404))
async def event(session: Session, operator: Viewer, event_id: Id) -> EventDetail:
    return await service.event_detail(session, operator, event_id)


@router.get("/webhook_endpoints", response_model=EndpointPage, responses=error_responses(401, 404))
async def endpoints(
    session: Session, operator: Viewer, client_id: ClientFilter = None
) -> EndpointPage:
    return await service.endpoints(session, operator, client_id)
