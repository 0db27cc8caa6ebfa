"""The embed protocol's server side (docs/reference/embed-protocol.md): the loader trades a
connect token for a frame URL, and the framed page is served with frame-ancestors limited to the
client's registered origins."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Header, Query
from fastapi.responses import HTMLResponse

from gridlink.auth.dependencies import AppClock, AppSettings, Session
from gridlink.connect import frames
from gridlink.connect.widget_schemas import FrameOut, FrameRequest
from gridlink.kit.openapi import error_responses

router = APIRouter(prefix="/connect", tags=["Connect widget"])

# A placeholder until the Connect UI's built assets are served here; no inline script, so the
# strict CSP below holds for the real page too.
FRAME_PAGE = """<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Connect your utility account</title></head>
<body><main><h1>Connect your utility account</h1><p>Loading Connect…</p></main></body>
</html>
"""


@router.post(
    "/api/frames",
    summary="Open Connect in a frame (the loader's first call)",
    response_model=FrameOut,
    responses=error_responses(401, 403, 422),
)
async def open_frame(
    body: FrameRequest,
    settings: AppSettings,
    session: Session,
    clock: AppClock,
    origin: Annotated[str | None, Header(include_in_schema=False)] = None,
) -> FrameOut:
    """Trades the connect token (once) for a frame URL whose fragment carries a single-use,
    5-minute frame ticket. The request's `Origin` must be one of the client's registered
    origins. Answers CORS preflights from any origin; credentials are never included."""
    ticket = await frames.open_frame(
        session, clock, settings.resolved_public_url(), body.connect_token, origin
    )
    return FrameOut(frame_url=ticket.url, expires_at=ticket.expires_at)


@router.get("/frame", include_in_schema=False, response_class=HTMLResponse)
async def frame_page(
    session: Session,
    client: Annotated[str | None, Query(max_length=40)] = None,
) -> HTMLResponse:
    """The framed Connect page. Its ticket is in the fragment, which the server never sees, so
    `?client=` names whose origins may frame it (client ids are not secret)."""
    ancestors = await frames.frame_ancestors(session, client)
    return HTMLResponse(
        FRAME_PAGE, headers={"Content-Security-Policy": frames.frame_csp(ancestors)}
    )
