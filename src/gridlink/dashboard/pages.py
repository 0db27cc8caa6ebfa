"""The dashboard's page: one shell for /dashboard and every path under it (the Preact app
routes in the browser), and its built files under /dashboard/assets/.

Vite's manifest names the entry's script and stylesheet (widget/packages/dashboard); the shell
has no inline script or style, so the CSP below forbids both. Never framed.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from pathlib import Path

from gridlink.config import Settings

SOURCE_DIST = Path(__file__).resolve().parents[3] / "widget" / "packages" / "dashboard" / "dist"
ENTRY = "src/main.tsx"
ASSETS = "assets/"
TITLE = "Gridlink dashboard"
NOT_BUILT = (
    "The dashboard has not been built on this server: run `make widget-build` (or "
    "`cd widget && npm ci && npm run build`), or set GRIDLINK_WIDGET_DIST_DIR to a folder "
    "holding the built widget."
)
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; frame-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".woff2": "font/woff2",
}


@dataclass(frozen=True)
class DashboardBuild:
    folder: Path
    script: str
    styles: tuple[str, ...]


def dist_dir(settings: Settings) -> Path:
    """``GRIDLINK_WIDGET_DIST_DIR/dashboard`` when set, else the checkout's build."""
    return settings.widget_dist_dir / "dashboard" if settings.widget_dist_dir else SOURCE_DIST


def _asset(name: object) -> str | None:
    """``assets/<plain name>`` from the manifest, as the plain name; anything else is refused."""
    if not isinstance(name, str) or not name.startswith(ASSETS):
        return None
    plain = name[len(ASSETS) :]
    return plain if is_plain(plain) else None


def is_plain(name: str) -> bool:
    """A bare file name (no folders, no dot-files): safe to join to the assets folder."""
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".")


_builds: dict[tuple[Path, int], DashboardBuild | None] = {}


def load_build(folder: Path) -> DashboardBuild | None:
    """The built entry, re-read when the manifest changes (a rebuild); None when missing."""
    manifest = folder / ".vite" / "manifest.json"
    if not manifest.is_file():
        manifest = folder / "manifest.json"
    try:
        key = (folder, manifest.stat().st_mtime_ns)
    except OSError:
        return None
    if key not in _builds:
        _builds.clear()
        _builds[key] = _read(folder, manifest)
    return _builds[key]


def _read(folder: Path, manifest: Path) -> DashboardBuild | None:
    try:
        entry = json.loads(manifest.read_text(encoding="utf-8"))[ENTRY]
        script = _asset(entry["file"])
        styles = tuple(_asset(c) for c in entry.get("css", []))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if script is None or None in styles:
        return None
    names = (script, *(s for s in styles if s is not None))
    if not all((folder / "assets" / n).is_file() for n in names):
        return None
    return DashboardBuild(folder, script, tuple(s for s in styles if s is not None))


def page_html(build: DashboardBuild) -> str:
    links = "".join(
        f'<link rel="stylesheet" href="/dashboard/assets/{escape(css)}">' for css in build.styles
    )
    return (
        '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{TITLE}</title><link rel="icon" href="/favicon.svg" type="image/svg+xml">'
        f'{links}<script type="module" src="/dashboard/assets/{escape(build.script)}"></script>'
        '</head>\n<body><div id="app">'
        "<noscript>The dashboard needs JavaScript. Turn it on and reload this page.</noscript>"
        "</div></body>\n</html>\n"
    )


def not_built_html() -> str:
    return (
        '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>{TITLE}</title></head>\n<body><main><h1>The dashboard is not available</h1>"
        f"<p>{escape(NOT_BUILT)}</p></main></body>\n</html>\n"
    )
