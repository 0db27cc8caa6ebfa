"""Files served at the root for integrators: the `connect.js` loader (for plain script tags),
the npm tarballs of `@gridlink/connect` and `@gridlink/react` (not on a registry), and the
favicon of Gridlink's own pages.

connect.js and the tarballs are build output of widget/ (`npm run build`); they are never
committed, so a checkout that has not built them answers a clear 404 saying how to build them.
"""

from __future__ import annotations

import re
from pathlib import Path

from fastapi import APIRouter, Request, Response

from gridlink.auth.dependencies import AppSettings
from gridlink.config import Settings
from gridlink.errors import NotFound
from gridlink.kit.static_files import file_response

router = APIRouter()

WIDGET = Path(__file__).resolve().parents[3] / "widget"
SOURCE_DIST = WIDGET / "packages" / "connect" / "dist"
NPM_SOURCE_DIST = WIDGET / "dist" / "npm"
FAVICON = Path(__file__).resolve().parents[1] / "static" / "favicon.svg"
LOADER_NOT_BUILT = (
    "connect.js has not been built on this server: run `make serve` (it builds the widget), or "
    "`cd widget && npm ci && npm run build`, or set GRIDLINK_WIDGET_DIST_DIR."
)
PACKAGE_NOT_BUILT = (
    "No such package here. This server offers @gridlink/connect and @gridlink/react as "
    "/npm/gridlink-connect-{version}.tgz and /npm/gridlink-react-{version}.tgz once the widget "
    "is built (`cd widget && npm ci && npm run build`); see docs/guides/embedding.md."
)
TARBALL = re.compile(r"^gridlink-(connect|react)-\d+\.\d+\.\d+(-[0-9A-Za-z.]+)?\.tgz$")
NOSNIFF = {"X-Content-Type-Options": "nosniff"}
# The loader sits on the host page's critical path: a browser reuses it for 5 minutes without
# asking, then revalidates it (ETag, a 304 when unchanged). A new server version reaches pages
# within 5 minutes; the loader and the page speak the versioned embed protocol meanwhile.
LOADER_CACHE = "public, max-age=300"
REVALIDATE = "no-cache"  # stored, but checked (a 304 when unchanged) before each use


def npm_dist_dir(settings: Settings) -> Path:
    """``GRIDLINK_WIDGET_DIST_DIR/npm`` when set (beside connect.js), else the checkout's."""
    return settings.widget_dist_dir / "npm" if settings.widget_dist_dir else NPM_SOURCE_DIST


@router.get("/connect.js", include_in_schema=False)
async def connect_js(request: Request, settings: AppSettings) -> Response:
    path = (settings.widget_dist_dir or SOURCE_DIST) / "connect.js"
    response = await file_response(
        request, path, "text/javascript; charset=utf-8", LOADER_CACHE, NOSNIFF
    )
    if response is None:
        raise NotFound(LOADER_NOT_BUILT)
    return response


@router.get("/npm/{name}", include_in_schema=False)
async def npm_tarball(name: str, request: Request, settings: AppSettings) -> Response:
    """`npm pack` output, as npm installs it from a URL (already gzip: sent as it is)."""
    response = None
    if TARBALL.match(name):
        path = npm_dist_dir(settings) / name
        response = await file_response(
            request, path, "application/octet-stream", REVALIDATE, NOSNIFF, compress=False
        )
    if response is None:
        raise NotFound(PACKAGE_NOT_BUILT)
    return response


@router.get("/favicon.svg", include_in_schema=False)
async def favicon(request: Request) -> Response:
    response = await file_response(request, FAVICON, "image/svg+xml", "public, max-age=86400")
    assert response is not None  # part of the Python package
    return response
