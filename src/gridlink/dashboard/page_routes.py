"""/dashboard: the app's shell for every page path, and its built files."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse

from gridlink.auth.dependencies import AppSettings
from gridlink.dashboard import pages
from gridlink.errors import NotFound
from gridlink.kit.static_files import file_response

router = APIRouter(include_in_schema=False)
HEADERS = {"Content-Security-Policy": pages.PAGE_CSP, "Cache-Control": "no-cache"}


@router.get("/dashboard/assets/{name}")
async def asset(name: str, request: Request, settings: AppSettings) -> Response:
    """Hashed files: cached for good (a new build has new names)."""
    response = None
    if pages.is_plain(name):
        folder = pages.dist_dir(settings) / "assets"
        response = await file_response(
            request,
            folder / name,
            pages.CONTENT_TYPES.get(name[name.rfind(".") :], "application/octet-stream"),
            "public, max-age=31536000, immutable",
        )
    if response is None:
        raise NotFound("No such dashboard file; reload the page to get the current ones.")
    return response


@router.get("/dashboard", response_class=HTMLResponse)
@router.get("/dashboard/{path:path}", response_class=HTMLResponse)
async def page(settings: AppSettings, path: str = "") -> HTMLResponse:
    """The app routes in the browser: every page path gets the same shell. An unknown API path
    is a JSON 404, not the page."""
    if path == "api" or path.startswith(("api/", "assets/")):
        raise NotFound("No such dashboard API route; see docs/reference/dashboard-api.md.")
    build = pages.load_build(pages.dist_dir(settings))
    if build is None:
        return HTMLResponse(pages.not_built_html(), status_code=500, headers=HEADERS)
    return HTMLResponse(pages.page_html(build), headers=HEADERS)
