"""The `connect.js` loader, served by `gridlink serve` for plain script tags.

The file is the build output of widget/packages/connect (the same loader published as
`@gridlink/connect`); it is never committed, so a checkout that has not built it answers a clear
404 saying how to build it.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import APIRouter
from fastapi.responses import FileResponse

from gridlink.auth.dependencies import AppSettings
from gridlink.errors import NotFound

router = APIRouter()

SOURCE_DIST = Path(__file__).resolve().parents[3] / "widget" / "packages" / "connect" / "dist"
LOADER_NOT_BUILT = (
    "connect.js has not been built on this server: run `make serve` (it builds the widget), or "
    "`cd widget && npm ci && npm run build`, or set GRIDLINK_WIDGET_DIST_DIR."
)


@router.get("/connect.js", include_in_schema=False)
async def connect_js(settings: AppSettings) -> FileResponse:
    path = (settings.widget_dist_dir or SOURCE_DIST) / "connect.js"
    if not path.is_file():
        raise NotFound(LOADER_NOT_BUILT)
    # Short-lived caching: the loader is tiny, and a new server version should reach pages soon.
    return FileResponse(
        path,
        media_type="text/javascript; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "X-Content-Type-Options": "nosniff"},
    )
