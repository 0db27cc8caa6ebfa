"""/dashboard/api/session (sign in, the current session, sign out) and /dashboard/api/audit.

Not in the OpenAPI document: the dashboard's API is for the dashboard's own page, not for
integrators (docs/reference/dashboard-api.md is its contract). HTTP only: the rules are in
sign_in.py, service.py, sessions.py and audit.py.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response

from gridlink.auth.dependencies import AppClock, AppSettings, Session
from gridlink.errors import InvalidRequest
from gridlink.kit.keyring import Ring
from gridlink.kit.pagination import CURSOR_PATTERN, DEFAULT_LIMIT, MAX_LIMIT
from gridlink.operators import audit, service, sessions
from gridlink.operators.dependencies import CurrentSession, client_address, requires
from gridlink.operators.principal import OperatorPrincipal, Role
from gridlink.operators.schemas import (
    AuditPage,
    OperatorList,
    OperatorListed,
    OperatorOut,
    SessionOut,
    SignInRequest,
)
from gridlink.operators.service import sign_out
from gridlink.operators.sign_in import Caller, sign_in


async def json_only(request: Request) -> None:
    """A cross-site form cannot send application/json without a CORS preflight, which is never
    answered: another site cannot sign a browser in to an account of its choosing."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise InvalidRequest("Send the sign-in as application/json.", fields=["content-type"])


router = APIRouter(prefix="/dashboard/api", tags=["Dashboard"], include_in_schema=False)


def _session_out(
    principal: OperatorPrincipal, token: str, idle_expires_at: object, expires_at: object
) -> SessionOut:
    clients = None if principal.client_ids is None else sorted(principal.client_ids)
    return SessionOut.model_validate(
        {
            "operator": OperatorOut(
                id=principal.id, email=principal.email, role=principal.role, client_ids=clients
            ),
            "csrf_token": sessions.csrf_token(token),
            "idle_expires_at": idle_expires_at,
            "expires_at": expires_at,
        }
    )


def _secure(request: Request, settings: AppSettings) -> bool:
    return request.url.scheme == "https" or settings.resolved_public_url().startswith("https:")


@router.post("/session", response_model=SessionOut, dependencies=[Depends(json_only)])
async def create_session(
    request: Request,
    response: Response,
    body: SignInRequest,
    clock: AppClock,
    settings: AppSettings,
) -> SessionOut:
    ring: Ring = request.app.state.response_keyring
    signed_in = await sign_in(
        request.app.state.db,
        clock,
        ring,
        sessions.SessionSettings.from_settings(settings),
        Caller(client_address(request), request.headers.get("user-agent")),
        body.email,
        body.password,
        body.totp_code,
    )
    response.set_cookie(
        sessions.COOKIE,
        signed_in.opened.token,
        path=sessions.COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(request, settings),
    )
    row = signed_in.opened.row
    return _session_out(
        signed_in.principal, signed_in.opened.token, row.idle_expires_at, row.expires_at
    )


@router.get("/session", response_model=SessionOut)
async def get_session(signed_in: CurrentSession) -> SessionOut:
    return _session_out(
        signed_in.principal, signed_in.token, signed_in.idle_expires_at, signed_in.expires_at
    )


@router.delete("/session", status_code=204)
async def delete_session(
    request: Request,
    signed_in: CurrentSession,
    session: Session,
    clock: AppClock,
    settings: AppSettings,
) -> Response:
    await sign_out(session, clock, signed_in.principal, signed_in.session_id)
    response = Response(status_code=204)
    response.delete_cookie(
        sessions.COOKIE,
        path=sessions.COOKIE_PATH,
        httponly=True,
        samesite="strict",
        secure=_secure(request, settings),
    )
    return response


@router.get("/audit", response_model=AuditPage)
async def list_audit(
    _operator: Annotated[OperatorPrincipal, Depends(requires(Role.ADMIN))],
    session: Session,
    operator_id: Annotated[str | None, Query(max_length=40)] = None,
    action: Annotated[str | None, Query(max_length=60)] = None,
    after: Annotated[str | None, Query(pattern=CURSOR_PATTERN)] = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = DEFAULT_LIMIT,
) -> AuditPage:
    return await audit.list_audit(
        session, operator_id=operator_id, action=action, after=after, limit=limit
    )


@router.get("/operators", response_model=OperatorList)
async def list_operators(
    _operator: Annotated[OperatorPrincipal, Depends(requires(Role.ADMIN))], session: Session
) -> OperatorList:
    """Every operator, as `gridlink operators list` shows them (admins: the audit log's filter)."""
    views = await service.list_operators(session)
    return OperatorList(
        data=[
            OperatorListed(
                id=v.id,
                email=v.email,
                role=Role(v.role),
                client_ids=v.client_ids,
                totp=v.totp,
                disabled_at=v.disabled_at,
                created_at=v.created_at,
            )
            for v in views
        ]
    )
