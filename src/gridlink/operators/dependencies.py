"""Who is calling a dashboard route: ``current_operator`` (the signed-in operator, from the
session cookie) and ``requires(role)``. Every /dashboard/api route but sign-in depends on one.

The session is read through the request's one transaction (``db_session``), like
``auth.dependencies.current_client``. Requests other than GET/HEAD must carry the session's CSRF
token (``403 csrf_failed``, checked before the route runs, so nothing changes). The idle deadline
moves on at most once a minute: in the request's transaction for a write request, and in a
short transaction of its own for a GET or HEAD, whose transaction is a read one (a write there
would take the SQLite writer lock without queueing for it).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Annotated

from fastapi import Depends, Request
from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.auth.dependencies import get_clock
from gridlink.errors import CsrfFailed, SessionExpired, SignInRequired
from gridlink.kit.clock import Clock
from gridlink.kit.db import Database
from gridlink.kit.unit_of_work import db_session
from gridlink.models import OperatorSession
from gridlink.operators import sessions
from gridlink.operators.principal import OperatorPrincipal, Role
from gridlink.operators.service import principal_of

_SAFE_METHODS = frozenset({"GET", "HEAD"})

NO_SESSION = "Sign in to the dashboard first: POST /dashboard/api/session with email and password."
EXPIRED = (
    "Your dashboard session has ended (signed out, inactive too long, or too old). Sign in again."
)
CSRF_MISSING = (
    "This request needs the session's CSRF token in the X-CSRF-Token header (csrf_token from "
    "GET /dashboard/api/session); nothing was changed."
)


@dataclass(frozen=True)
class SignedInSession:
    principal: OperatorPrincipal
    token: str
    session_id: str
    idle_expires_at: datetime
    expires_at: datetime


def client_address(request: Request) -> str | None:
    return request.client.host if request.client else None


async def current_session(
    request: Request,
    session: Annotated[AsyncSession, Depends(db_session)],
    clock: Annotated[Clock, Depends(get_clock)],
) -> SignedInSession:
    token = request.cookies.get(sessions.COOKIE)
    if not token:
        raise SignInRequired(NO_SESSION)
    found = await sessions.find(session, token)
    if found is None:
        raise SignInRequired(NO_SESSION)
    row, operator = found
    now = clock.now()
    if not sessions.is_live(row, now) or operator.disabled_at is not None:
        raise SessionExpired(EXPIRED)
    if request.method not in _SAFE_METHODS and not sessions.csrf_matches(
        token, request.headers.get(sessions.CSRF_HEADER)
    ):
        raise CsrfFailed(CSRF_MISSING)
    idle_expires_at = await _touch(request, session, row, now)
    principal = principal_of(operator, client_address(request), request.headers.get("user-agent"))
    request.state.operator = principal
    return SignedInSession(principal, token, row.id, idle_expires_at, row.expires_at)


async def _touch(
    request: Request, session: AsyncSession, row: OperatorSession, now: datetime
) -> datetime:
    """The idle deadline, moved on when it is due (SQL updates only: the loaded row is left
    as it is, so a GET's read transaction has nothing to flush)."""
    if not sessions.due_for_touch(row, now):
        return row.idle_expires_at
    limits = sessions.SessionSettings.from_settings(request.app.state.settings)
    if request.method in _SAFE_METHODS:
        db: Database = request.app.state.db
        async with db.transaction() as own:
            await sessions.touch(own, row, now, limits)
    else:
        await sessions.touch(session, row, now, limits)
    return sessions.next_idle_deadline(row, now, limits)


async def current_operator(
    signed_in: Annotated[SignedInSession, Depends(current_session)],
) -> OperatorPrincipal:
    return signed_in.principal


CurrentOperator = Annotated[OperatorPrincipal, Depends(current_operator)]
CurrentSession = Annotated[SignedInSession, Depends(current_session)]


def requires(role: Role) -> Callable[[OperatorPrincipal], Awaitable[OperatorPrincipal]]:
    """A dependency giving the signed-in operator if their role is at least ``role``, else
    ``403 forbidden``. Use:
    ``operator: Annotated[OperatorPrincipal, Depends(requires(Role.SUPPORT))]``."""

    async def operator_with_role(operator: CurrentOperator) -> OperatorPrincipal:
        operator.require(role)
        return operator

    return operator_with_role
