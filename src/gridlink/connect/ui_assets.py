"""The Connect UI's built files (widget/packages/ui): the page shell and its hashed assets.

Vite writes ``manifest.json`` beside the hashed files; the shell names the entry's script and
stylesheet from it, so the page never has inline script or style (the CSP forbids both). The
files are never committed: a checkout that has not built them gets a page saying how.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from html import escape
from pathlib import Path

from gridlink.config import Settings

UI_SOURCE_DIST = Path(__file__).resolve().parents[3] / "widget" / "packages" / "ui" / "dist"
ENTRY = "src/main.tsx"
UI_NOT_BUILT = (
    "Connect's page has not been built on this server: run `make widget-build` (or "
    "`cd widget && npm ci && npm run build`), or set GRIDLINK_WIDGET_DIST_DIR to a folder "
    "holding the built widget."
)
CONTENT_TYPES = {".js": "text/javascript; charset=utf-8", ".css": "text/css; charset=utf-8"}
TITLE = "Connect your utility account"


@dataclass(frozen=True)
class UiBuild:
    folder: Path
    script: str
    styles: tuple[str, ...]

    @property
    def files(self) -> frozenset[str]:
        """The only names /connect/ui/ serves: what the manifest lists for the entry."""
        return frozenset((self.script, *self.styles))


def ui_dist_dir(settings: Settings) -> Path:
    """``GRIDLINK_WIDGET_DIST_DIR/ui`` when set (beside connect.js), else the checkout's build."""
    return settings.widget_dist_dir / "ui" if settings.widget_dist_dir else UI_SOURCE_DIST


def load_build(folder: Path) -> UiBuild | None:
    """The built entry named by Vite's manifest, or None when it is missing or incomplete.

    Parsed once per build: later calls cost one ``stat`` of the manifest, whose change (a
    rebuild) is picked up at once."""
    manifest = folder / "manifest.json"
    try:
        key = (folder, manifest.stat().st_mtime_ns)
    except OSError:
        return None
    if key not in _builds:
        _builds.clear()  # only the current build is worth keeping
        _builds[key] = _read_build(folder, manifest)
    return _builds[key]


_builds: dict[tuple[Path, int], UiBuild | None] = {}


def _read_build(folder: Path, manifest: Path) -> UiBuild | None:
    try:
        entry = json.loads(manifest.read_text(encoding="utf-8"))[ENTRY]
        build = UiBuild(folder, str(entry["file"]), tuple(str(c) for c in entry.get("css", [])))
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if not all(_plain(name) and (folder / name).is_file() for name in build.files):
        return None
    return build


def _plain(name: str) -> bool:
    """A bare file name (no folders, no dot-files): safe to join to the dist folder."""
    return bool(name) and "/" not in name and "\\" not in name and not name.startswith(".")


def page_html(build: UiBuild, page: str) -> str:
    """The shell: one stylesheet, one module script, a root the UI renders into."""
    links = "".join(f'<link rel="stylesheet" href="ui/{escape(css)}">' for css in build.styles)
    return (
        '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f'<title>{TITLE}</title><link rel="icon" href="../favicon.svg" type="image/svg+xml">'
        f"{links}"
        f'<script type="module" src="ui/{escape(build.script)}"></script></head>\n'
        f'<body data-page="{escape(page)}"><div id="gridlink-root">'
        "<noscript>Connect needs JavaScript. Turn it on and reload this page.</noscript>"
        "</div></body>\n</html>\n"
    )


def not_built_html() -> str:
    return (
        '<!doctype html>\n<html lang="en">\n<head><meta charset="utf-8">'
        f"<title>{TITLE}</title></head>\n<body><main><h1>Connect is not available</h1>"
        f"<p>{escape(UI_NOT_BUILT)}</p></main></body>\n</html>\n"
    )
