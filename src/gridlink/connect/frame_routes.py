"""The embed protocol's server side (docs/reference/embed-protocol.md): the loader trades a
connect token for a frame URL; the Connect page is served framed (/connect/frame, frame-ancestors
limited to the client's registered origins) or full-page for connect links (/connect/link), with
its built assets under /connect/ui/."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query, Request, Response
from fastapi.responses import HTMLResponse

from gridlink.auth.dependencies import AppClock, AppSettings, Session
from gridlink.config import Settings
from gridlink.connect import frames, loading_card, ui_assets
from gridlink.connect.widget_schemas import FrameClient, FrameLabels, FrameOut, FrameRequest
from gridlink.errors import NotFound
from gridlink.kit.openapi import error_responses
from gridlink.kit.static_files import file_response

router = APIRouter(prefix="/connect", tags=["Connect widget"])


@router.post(
    "/api/frames",
    summary="Open Connect in a frame (the loader's first call)",
    response_model=FrameOut,
    responses=error_responses(401, 403, 422),
)
async def open_frame(
    body: FrameRequest,
    request: Request,
    settings: AppSettings,
    session: Session,
    clock: AppClock,
    origin: Annotated[str | None, Header(include_in_schema=False)] = None,
    accept_language: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> FrameOut:
    """Opens a session with the connect token (each open a new one, until a connection succeeds
    with the token) and answers a frame URL whose fragment carries a single-use,
    5-minute frame ticket. The request's `Origin` must be one of the client's registered
    origins. Answers CORS preflights from any origin; credentials are never included."""
    public_url = settings.resolved_public_url()
    opened = await frames.open_frame(
        session,
        clock,
        public_url,
        body.connect_token,
        origin,
        frames.own_origins(request, public_url),
    )
    ticket, client = opened.ticket, opened.client
    labels = loading_card.LABELS[loading_card.card_language(ticket.language, accept_language)]
    return FrameOut(
        frame_url=ticket.url,
        expires_at=ticket.expires_at,
        session_id=ticket.session_id,
        language=ticket.language if ticket.language in ("en", "es") else None,
        client=FrameClient(name=client.name, accent_color=client.accent_color),
        labels=FrameLabels(**labels),
    )


ClientQuery = Annotated[str | None, Query(max_length=40)]


@router.get("/frame", include_in_schema=False, response_class=HTMLResponse)
async def frame_page(
    session: Session,
    settings: AppSettings,
    client: ClientQuery = None,
    via: Annotated[str | None, Query(max_length=20)] = None,
) -> HTMLResponse:
    """The framed Connect page. Its ticket is in the fragment, which the server never sees, so
    `?client=` names whose origins may frame it (client ids are not secret); `&via=dashboard`
    adds this server's own origin (the operator dashboard), which only ever frames Connect
    for sessions an operator opened."""
    page = await frames.page_policy(session, client)
    ancestors = [*page.ancestors, "'self'"] if via == "dashboard" else page.ancestors
    return _page(settings, "frame", frames.frame_csp(ancestors, page.image_origins))


@router.get("/link", include_in_schema=False, response_class=HTMLResponse)
async def link_page(
    session: Session, settings: AppSettings, client: ClientQuery = None
) -> HTMLResponse:
    """Connect full-page for a connect link (update mode); its token is in the fragment. Never
    framed: a link is opened by the end user, not embedded."""
    page = await frames.page_policy(session, client)
    return _page(settings, "link", frames.frame_csp([], page.image_origins))


def _page(settings: Settings, page: str, csp: str) -> HTMLResponse:
    headers = {"Content-Security-Policy": csp}
    build = ui_assets.load_build(ui_assets.ui_dist_dir(settings))
    if build is None:
        return HTMLResponse(ui_assets.not_built_html(), status_code=500, headers=headers)
    return HTMLResponse(ui_assets.page_html(build, page), headers=headers)


@router.get("/ui/{name}", include_in_schema=False)
async def ui_asset(name: str, request: Request, settings: AppSettings) -> Response:
    """The page's hashed script and stylesheet, compressed, cached for good (a new build has
    new names)."""
    build = ui_assets.load_build(ui_assets.ui_dist_dir(settings))
    response = None
    if build is not None and name in build.files:
        suffix = name[name.rfind(".") :]
        response = await file_response(
            request,
            build.folder / name,
            ui_assets.CONTENT_TYPES.get(suffix, "application/octet-stream"),
            "public, max-age=31536000, immutable",
        )
    if response is None:
        raise NotFound("No such Connect asset; reload the page to get the current ones.")
    return response
