"""Sandbox-only endpoints. A live client gets exactly what an unknown route answers."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends

from gridlink.auth.dependencies import AppClock, CurrentClient, Session
from gridlink.auth.service import AuthenticatedClient
from gridlink.errors import NO_SUCH_ENDPOINT, NotFound
from gridlink.idempotency.dependencies import idempotent_for
from gridlink.kit.openapi import error_responses
from gridlink.sandbox import service
from gridlink.sandbox.schemas import SandboxClockMove, SandboxClockOut
from gridlink.utilities.catalog import SANDBOX

router = APIRouter(tags=["Sandbox"])


async def sandbox_client(client: CurrentClient) -> AuthenticatedClient:
    if client.environment != SANDBOX:
        raise NotFound(NO_SUCH_ENDPOINT)
    return client


SandboxClient = Annotated[AuthenticatedClient, Depends(sandbox_client)]
Idempotent = [Depends(idempotent_for(sandbox_client))]


@router.get(
    "/sandbox/clock",
    summary="Read the sandbox clock",
    response_model=SandboxClockOut,
    responses=error_responses(401, 404, 422),
)
async def get_clock(client: SandboxClient, clock: AppClock) -> SandboxClockOut:
    """Utility-side time for this sandbox client: what MFA session expiry, the sandbox
    utilities and syncs see. Sandbox clients only; live clients get `404`."""
    return service.read_clock(clock, client)


@router.post(
    "/sandbox/clock",
    summary="Move the sandbox clock forward",
    response_model=SandboxClockOut,
    dependencies=Idempotent,
    responses=error_responses(401, 404, 409, 422),
)
async def post_clock(
    body: SandboxClockMove, client: SandboxClient, session: Session, clock: AppClock
) -> SandboxClockOut:
    """Pass `advance_seconds` or `now`. Only utility-side time moves (MFA sessions, the sandbox
    utilities, syncs); access tokens, connect tokens, authorization codes and connect links
    keep real time. MFA sessions the move expires, or brings within 7 days of expiry, get their
    `utility_credential_mfa_refresh_required` / `utility_credential_mfa_expiring` events before
    this answers. The clock never moves back. Sandbox clients only; live clients get `404`."""
    return await service.move_clock(session, clock, client, body)
