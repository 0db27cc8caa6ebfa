"""/demo: the sample host page (static files, strict CSP) and its backend under /demo/api.

On when ``Settings.demo_enabled()`` (by default only on a local server; every /demo path
answers 404 otherwise). Loading the page binds the browser to its own demo user (a cookie,
demo/browser.py); every /demo/api call acts for that user only. Not in the OpenAPI document:
this is an example app, not part of Gridlink's API.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request, Response
from fastapi import Path as PathParam
from fastapi.responses import FileResponse

from gridlink.auth.dependencies import AppClock, AppSettings, Session
from gridlink.credentials.schemas import UtilityCredentialOut
from gridlink.data.files import FileStore
from gridlink.demo import data, service
from gridlink.demo.browser import demo_user, ensure_cookie
from gridlink.demo.schemas import (
    DemoClockMove,
    DemoCredentials,
    DemoData,
    DemoExchangeRequest,
    DemoLink,
    DemoLinkRequest,
    DemoStatus,
    DemoToken,
    DemoTokenRequest,
    DemoUsage,
)
from gridlink.errors import NO_SUCH_ENDPOINT, InvalidRequest, NotFound
from gridlink.kit.static_files import file_response

STATIC = Path(__file__).parent / "static"
ASSETS = {"demo.js": "text/javascript; charset=utf-8", "demo.css": "text/css; charset=utf-8"}

# The page runs only its own files: no inline script or style, frames only from this server
# (the Connect overlay), fetches only to this server.
PAGE_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; base-uri 'none'; form-action 'none'; "
    "frame-ancestors 'none'"
)
COMMON_HEADERS = {"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"}


async def demo_enabled(settings: AppSettings) -> None:
    if not settings.demo_enabled():
        raise NotFound(NO_SUCH_ENDPOINT)


async def json_only(request: Request) -> None:
    """A cross-site form cannot send application/json without a CORS preflight, which /demo
    never answers: so only the demo page itself can make these calls."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != "application/json":
        raise InvalidRequest("Send the demo's API calls as application/json.")


async def api_headers(response: Response) -> None:
    response.headers.update({**COMMON_HEADERS, "Cache-Control": "no-store"})


page_router = APIRouter(prefix="/demo", dependencies=[Depends(demo_enabled)])
api = APIRouter(
    prefix="/demo/api", tags=["Demo"], dependencies=[Depends(demo_enabled), Depends(api_headers)]
)
DemoUser = Annotated[str, Depends(demo_user)]
Id = Annotated[str, Query(min_length=1, max_length=40)]
Json = [Depends(json_only)]


@page_router.get("", include_in_schema=False)
async def page(request: Request, settings: AppSettings) -> Response:
    headers = {**COMMON_HEADERS, "Content-Security-Policy": PAGE_CSP}
    response = await _static(request, STATIC / "index.html", "text/html; charset=utf-8", headers)
    ensure_cookie(request, response, settings)
    return response


@page_router.get("/static/{name}", include_in_schema=False)
async def asset(name: str, request: Request) -> Response:
    if name not in ASSETS:
        raise NotFound(NO_SUCH_ENDPOINT)
    return await _static(request, STATIC / name, ASSETS[name], COMMON_HEADERS)


async def _static(
    request: Request, path: Path, media_type: str, headers: dict[str, str]
) -> Response:
    """Compressed; revalidated on every use (ETag), so an edited demo shows at once."""
    response = await file_response(request, path, media_type, "no-cache", headers)
    assert response is not None  # part of the Python package
    return response


@api.get("/status", include_in_schema=False)
async def get_status(
    session: Session,
    clock: AppClock,
    user: DemoUser,
    origin: Annotated[str | None, Query(max_length=200)] = None,
) -> DemoStatus:
    return await service.status(session, clock, user, origin)


@api.post("/connect_token", include_in_schema=False, dependencies=Json)
async def post_connect_token(
    body: DemoTokenRequest, session: Session, clock: AppClock, user: DemoUser
) -> DemoToken:
    return await service.connect_token(session, clock, user, body.utility_credential_id)


@api.post("/exchange", include_in_schema=False, dependencies=Json)
async def post_exchange(
    body: DemoExchangeRequest, session: Session, clock: AppClock, user: DemoUser
) -> UtilityCredentialOut:
    return await service.exchange(session, clock, user, body.authorization_code)


@api.get("/credentials", include_in_schema=False)
async def get_credentials(session: Session, user: DemoUser) -> DemoCredentials:
    return await service.credentials(session, user)


@api.post("/clock", include_in_schema=False, dependencies=Json)
async def post_clock(
    body: DemoClockMove, session: Session, clock: AppClock, user: DemoUser
) -> DemoStatus:
    return await service.move_clock(session, clock, user, body)


@api.post("/connect_link", include_in_schema=False, dependencies=Json)
async def post_connect_link(
    body: DemoLinkRequest, session: Session, clock: AppClock, settings: AppSettings, user: DemoUser
) -> DemoLink:
    return await service.connect_link(
        session, clock, settings.resolved_public_url(), user, body.utility_credential_id
    )


@api.get("/data", include_in_schema=False)
async def get_data(session: Session, user: DemoUser, utility_credential_id: Id) -> DemoData:
    return await data.credential_data(session, user, utility_credential_id)


@api.get("/usage", include_in_schema=False)
async def get_usage(session: Session, clock: AppClock, user: DemoUser, meter_id: Id) -> DemoUsage:
    return await data.usage(session, clock, user, meter_id)


@api.get("/statements/{statement_id}/pdf", include_in_schema=False)
async def get_statement_pdf(
    session: Session,
    settings: AppSettings,
    user: DemoUser,
    statement_id: Annotated[str, PathParam(min_length=1, max_length=40)],
) -> FileResponse:
    files = FileStore(settings.resolved_files_dir())
    path = await data.statement_pdf(session, files, user, statement_id)
    return FileResponse(
        path,
        media_type="application/pdf",
        filename=f"{statement_id}.pdf",
        content_disposition_type="inline",
        # A returned response skips api_headers' additions, so they are set here too.
        headers={**COMMON_HEADERS, "Cache-Control": "no-store"},
    )
