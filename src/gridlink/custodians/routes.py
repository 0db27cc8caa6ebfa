"""Green Button Connect My Data over HTTP: Connect starts a trip to the utility and follows
it (``/connect/api/green_button/...``), the utility sends the end user back
(``GET /connect/green_button/callback``) and pushes notifications
(``POST /green_button/notifications/{custodian_id}``)."""

from __future__ import annotations

from typing import Annotated, cast

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi.responses import HTMLResponse

from gridlink.auth.dependencies import AppClock, AppSettings, Session
from gridlink.connect.widget_routes import WidgetSession
from gridlink.custodians import authorization, notifications
from gridlink.custodians.pages import callback_page
from gridlink.custodians.schemas import AuthorizationOut, AuthorizationStarted, TripStatusOut
from gridlink.kit.openapi import error_responses
from gridlink.kit.vault import Vault

widget_router = APIRouter(prefix="/connect/api/green_button", tags=["Connect widget"])
callback_router = APIRouter(tags=["Connect widget"])
notification_router = APIRouter(tags=["Green Button Connect"])


def _vault(request: Request) -> Vault:
    vault: Vault = request.app.state.vault
    return vault


AppVault = Annotated[Vault, Depends(_vault)]


@widget_router.post(
    "/authorizations",
    summary="Start Green Button Connect at the utility",
    status_code=201,
    response_model=AuthorizationStarted,
    responses=error_responses(401, 409, 422),
)
async def start(
    context: WidgetSession,
    session: Session,
    clock: AppClock,
    settings: AppSettings,
    vault: AppVault,
) -> AuthorizationStarted:
    """For a utility whose `connection_methods` include `green_button`: the URL of the
    utility's authorization page, for a popup. 409 without consent or a utility, or when the
    utility does not offer it here."""
    started = await authorization.start(
        session, clock, vault, context, settings.resolved_public_url()
    )
    return AuthorizationStarted(
        authorization_id=started.authorization.id,
        authorization_url=started.url,
        expires_at=started.authorization.expires_at,
    )


@widget_router.get(
    "/authorizations/{authorization_id}",
    summary="Follow a Green Button Connect authorization",
    response_model=AuthorizationOut,
    responses=error_responses(401, 404, 422),
)
async def status(
    authorization_id: str, context: WidgetSession, session: Session, clock: AppClock
) -> AuthorizationOut:
    """Poll while the utility's window is open (about once a second)."""
    trip = await authorization.status(session, clock, context, authorization_id)
    return AuthorizationOut(
        authorization_id=trip.id,
        status=cast(TripStatusOut, trip.status),
        attempt_id=trip.attempt_id,
        message=trip.message,
    )


# A page for a browser, like /connect/frame and /connect/link: not part of the API's schema
# (docs/reference/connect-widget-api.md#green-button-connect describes it).
@callback_router.get(
    authorization.CALLBACK_PATH, include_in_schema=False, response_class=HTMLResponse
)
async def callback(
    session: Session,
    clock: AppClock,
    vault: AppVault,
    state: Annotated[str | None, Query(max_length=200)] = None,
    code: Annotated[str | None, Query(max_length=2000)] = None,
    error: Annotated[str | None, Query(max_length=100)] = None,
) -> Response:
    """Register this URL with the Data Custodian (`{GRIDLINK_PUBLIC_URL}/connect/green_button/
    callback`). A page for the popup: it tells Connect and closes."""
    returned = await authorization.callback(
        session, clock, vault, state=state, code=code, error=error
    )
    return callback_page(
        ok=returned.ok,
        message=returned.message,
        trip_id=returned.trip_id,
        status_code=200 if returned.trip_id else 400,
    )


@notification_router.post(
    "/green_button/notifications/{custodian_id}",
    summary="Receive a Data Custodian's BatchList notification",
    status_code=204,
    responses=error_responses(404, 413, 422),
)
async def notification(
    custodian_id: str, request: Request, session: Session, clock: AppClock
) -> Response:
    """Register this URL as the notification URI with the custodian. The body is an ESPI
    `BatchList` of resource URIs; the syncs of the credentials reading them are due at once.
    Nothing is fetched from the URIs given: they only select subscriptions Gridlink already
    reads, with its own tokens, at the custodian it registered. Always 204 when well formed."""
    body = await request.body()
    await notifications.receive(session, clock, custodian_id, body)
    return Response(status_code=204)
