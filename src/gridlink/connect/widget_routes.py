"""The widget-facing API under /connect/api (used by the Connect UI, never by app backends).

A connect token, a connect link's token or a frame ticket opens a session and gets its bearer
(a token or link opens Connect again, in a new session each time, until a connection succeeds
with it; a frame ticket once); every later call sends that bearer in the Authorization header,
never in a URL. Responses are not cached.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response, Security

from gridlink.attempts import service as attempts
from gridlink.attempts.limits import Ceilings
from gridlink.attempts.schemas import (
    AttemptOut,
    CompletionOut,
    CredentialsIn,
    MfaCodeIn,
    MfaOptionIn,
)
from gridlink.auth.dependencies import AppClock, AppSettings, Session, connect_session_scheme
from gridlink.connect import frames, sessions
from gridlink.connect.widget_schemas import (
    ConsentIn,
    SessionOut,
    SessionStart,
    SessionStarted,
    UtilityChoice,
)
from gridlink.connect.widget_service import session_view
from gridlink.errors import InvalidRequest, TokenInvalid
from gridlink.kit.db import Database
from gridlink.kit.openapi import error_responses
from gridlink.kit.pagination import Page
from gridlink.kit.vault import Vault
from gridlink.utilities.schemas import UtilityOut
from gridlink.utilities.service import CURSOR_PATTERN as UTILITIES_CURSOR
from gridlink.utilities.service import UtilityFilters, list_utilities

router = APIRouter(prefix="/connect/api", tags=["Connect widget"])


def session_bearer(request: Request) -> str:
    scheme, _, value = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "bearer" or not value.strip():
        raise TokenInvalid(sessions.SESSION_UNUSABLE)
    return value.strip()


async def current_session(
    request: Request,
    session: Session,
    clock: AppClock,
    _documented: Annotated[None, Security(connect_session_scheme)] = None,
) -> sessions.SessionContext:
    return await sessions.authenticate(session, clock, session_bearer(request))


WidgetSession = Annotated[sessions.SessionContext, Depends(current_session)]


def _vault(request: Request) -> Vault:
    vault: Vault = request.app.state.vault
    return vault


@router.post(
    "/sessions",
    summary="Start a Connect session",
    response_model=SessionStarted,
    responses=error_responses(401, 422),
)
async def start_session(
    body: SessionStart, session: Session, clock: AppClock, settings: AppSettings
) -> SessionStarted:
    """Open a session with a connect token or a connect link's token (each opens Connect again
    until a connection succeeds with it) or a frame ticket (once, within 5 minutes)."""
    given = [body.connect_token, body.connect_link_token, body.frame_ticket]
    if sum(value is not None for value in given) != 1:
        raise InvalidRequest(
            "Send exactly one of connect_token, connect_link_token or frame_ticket.",
            fields=["connect_token", "connect_link_token", "frame_ticket"],
        )
    if body.connect_token is not None:
        _row, bearer = await sessions.open_from_token(session, clock, body.connect_token)
    elif body.connect_link_token is not None:
        _row, bearer = await sessions.open_from_link(session, clock, body.connect_link_token)
    else:
        assert body.frame_ticket is not None
        _row, bearer = await frames.open_from_ticket(session, clock, body.frame_ticket)
    context = await sessions.authenticate(session, clock, bearer)
    return SessionStarted(
        session_token=bearer,
        session=await session_view(session, context, settings, clock.now()),
        host_origin=context.row.host_origin,
    )


@router.get(
    "/session",
    summary="The session's state",
    response_model=SessionOut,
    responses=error_responses(401, 422),
)
async def get_session(
    context: WidgetSession, session: Session, clock: AppClock, settings: AppSettings
) -> SessionOut:
    return await session_view(session, context, settings, clock.now())


@router.post(
    "/session/consent",
    summary="Record the end user's consent",
    response_model=SessionOut,
    responses=error_responses(401, 422),
)
async def consent(
    body: ConsentIn,
    request: Request,
    context: WidgetSession,
    session: Session,
    clock: AppClock,
    settings: AppSettings,
) -> SessionOut:
    """Records the consent text's version, the time, the IP address and the user agent."""
    ip = request.client.host if request.client else None
    await sessions.record_consent(
        context, clock.now(), body.consent_version, ip, request.headers.get("user-agent")
    )
    return await session_view(session, context, settings, clock.now())


@router.get(
    "/utilities",
    summary="Utilities to choose from",
    response_model=Page[UtilityOut],
    responses=error_responses(401, 422),
)
async def utilities(
    context: WidgetSession,
    session: Session,
    clock: AppClock,
    zip: Annotated[str | None, Query(max_length=10)] = None,
    q: Annotated[str | None, Query(max_length=100)] = None,
    limit: Annotated[int, Query(ge=1, le=100)] = 25,
    cursor: Annotated[str | None, Query(pattern=UTILITIES_CURSOR)] = None,
) -> Page[UtilityOut]:
    filters = UtilityFilters(zip=zip, q=q, state=None, commodity=None)
    return await list_utilities(
        session,
        context.environment,
        filters,
        limit,
        cursor,
        client_id=context.row.client_id,
        now=clock.now(),
    )


@router.post(
    "/session/utility",
    summary="Choose the utility",
    response_model=SessionOut,
    responses=error_responses(401, 409, 422),
)
async def choose_utility(
    body: UtilityChoice,
    context: WidgetSession,
    session: Session,
    clock: AppClock,
    settings: AppSettings,
) -> SessionOut:
    await sessions.choose_utility(session, context, body.utility_id)
    return await session_view(session, context, settings, clock.now())


@router.post(
    "/session/exit",
    summary="The end user closed Connect",
    status_code=204,
    response_class=Response,
    responses=error_responses(401, 422),
)
async def exit_session(context: WidgetSession, session: Session, clock: AppClock) -> Response:
    await attempts.cancel(session, clock, context)
    await attempts.abandon_after_back(session, clock, context)
    await sessions.close(context, clock.now())
    return Response(status_code=204)


@router.post(
    "/attempts",
    summary="Sign in to the utility",
    response_model=AttemptOut,
    responses=error_responses(401, 409, 422, 429),
)
async def submit(
    body: CredentialsIn,
    request: Request,
    context: WidgetSession,
    session: Session,
    clock: AppClock,
    settings: AppSettings,
    vault: Annotated[Vault, Depends(_vault)],
) -> AttemptOut:
    """Starts a connection attempt; follow it with GET /connect/api/attempts/{id}. 429
    `rate_limited` past a sign-in limit (docs/reference/connect-widget-api.md#limits)."""
    return await attempts.submit(
        session,
        clock,
        vault,
        context,
        body,
        ip=request.client.host if request.client else None,
        ceilings=Ceilings.from_settings(settings),
    )


@router.get(
    "/attempts/{attempt_id}",
    summary="Follow an attempt (long-poll)",
    response_model=AttemptOut,
    dependencies=[Security(connect_session_scheme)],
    responses=error_responses(401, 404, 422),
)
async def follow(
    attempt_id: str,
    request: Request,
    clock: AppClock,
    after_seq: Annotated[int, Query(ge=0, description="Wait until seq passes this.")] = 0,
    wait: Annotated[float, Query(ge=0, le=30, description="Seconds to wait at most.")] = 25,
) -> AttemptOut:
    """Answers as soon as the attempt changes after `after_seq`, or after `wait` seconds."""
    db: Database = request.app.state.db
    async with db.transaction(write=False) as session:  # not the request's: it ends before waiting
        context = await sessions.authenticate(session, clock, session_bearer(request))
    return await attempts.wait_for_change(db, context.row.id, attempt_id, after_seq, wait)


@router.post(
    "/attempts/{attempt_id}/mfa/option",
    summary="Choose where to get the code",
    response_model=AttemptOut,
    responses=error_responses(401, 404, 409, 422),
)
async def mfa_option(
    attempt_id: str, body: MfaOptionIn, context: WidgetSession, session: Session, clock: AppClock
) -> AttemptOut:
    return await attempts.choose_mfa_option(session, clock, context, attempt_id, body.option_id)


@router.post(
    "/attempts/{attempt_id}/mfa/resend",
    summary="Send the code again",
    response_model=AttemptOut,
    responses=error_responses(401, 404, 409, 422),
)
async def mfa_resend(
    attempt_id: str, context: WidgetSession, session: Session, clock: AppClock
) -> AttemptOut:
    return await attempts.resend_code(session, clock, context, attempt_id)


@router.post(
    "/attempts/{attempt_id}/mfa/code",
    summary="Submit the code",
    response_model=AttemptOut,
    responses=error_responses(401, 404, 409, 422),
)
async def mfa_code(
    attempt_id: str,
    body: MfaCodeIn,
    context: WidgetSession,
    session: Session,
    clock: AppClock,
    vault: Annotated[Vault, Depends(_vault)],
) -> AttemptOut:
    return await attempts.submit_code(session, clock, vault, context, attempt_id, body.code)


@router.post(
    "/attempts/{attempt_id}/cancel",
    summary="Go back: cancel a sign-in waiting for verification",
    response_model=AttemptOut,
    responses=error_responses(401, 404, 409, 422),
)
async def cancel(
    attempt_id: str, context: WidgetSession, session: Session, clock: AppClock
) -> AttemptOut:
    """While the attempt waits for the end user (`mfa_method`, `mfa_code`): the worker ends it
    as `cancelled` at once (follow it to see that), leaving the credential as it was, and a new
    sign-in can start. 409 `attempt_finished` when it has already finished."""
    return await attempts.cancel_attempt(session, clock, context, attempt_id)


@router.post(
    "/attempts/{attempt_id}/complete",
    summary="Finish: get the authorization code",
    response_model=CompletionOut,
    responses=error_responses(401, 404, 409, 422),
)
async def complete(
    attempt_id: str, context: WidgetSession, session: Session, clock: AppClock
) -> CompletionOut:
    """For a verified attempt: a single-use authorization code (10 minutes) for the app's
    backend to exchange at POST /v1/auth/exchange. Ends the session."""
    return await attempts.complete(session, clock, context, attempt_id)
