from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Request

from gridlink.attempts import shortcut
from gridlink.attempts.shortcut_schemas import SandboxCredentialIn, SandboxCredentialOut
from gridlink.auth.dependencies import AppClock, authenticate_header, basic_scheme, bearer_scheme
from gridlink.auth.service import AuthenticatedClient
from gridlink.kit.db import Database
from gridlink.kit.openapi import error_responses

router = APIRouter(tags=["Sandbox"])


async def client_in_own_transaction(
    request: Request,
    clock: AppClock,
    _bearer: Annotated[None, Depends(bearer_scheme)] = None,
    _basic: Annotated[None, Depends(basic_scheme)] = None,
) -> AuthenticatedClient:
    """Authenticate without opening the request's transaction: the shortcut runs several
    transactions of its own while the worker works between them."""
    db: Database = request.app.state.db
    async with db.transaction(write=False) as session:
        return await authenticate_header(session, clock, request.headers.get("authorization"))


@router.post(
    "/sandbox/utility_credentials",
    summary="Sandbox: connect a utility account without the widget",
    response_model=SandboxCredentialOut,
    responses=error_responses(401, 404, 422, 429),
)
async def create_sandbox_credential(
    body: SandboxCredentialIn,
    request: Request,
    clock: AppClock,
    client: Annotated[AuthenticatedClient, Depends(client_in_own_transaction)],
) -> SandboxCredentialOut:
    """Runs the same connection attempt as the widget, answering MFA with `mfa_method` and
    `mfa_code`, and returns the credential with its status (sandbox clients only). Not
    idempotent by key: each call is a new sign-in, as in the widget, under the same limits
    (429 `rate_limited`, counted per end user in the sandbox)."""
    settings = request.app.state.settings
    return await shortcut.run(
        request.app.state.db,
        clock,
        request.app.state.vault,
        client,
        body,
        wait_seconds=settings.connect_wait_seconds + 5,
    )
