"""The Connect page tests run against a small built UI of their own (a Vite-like manifest and
hashed files), so they do not depend on whether this checkout ran `npm run build`."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from gridlink import Settings

SCRIPT = "main-Ab12Cd34.js"
STYLE = "main-Ef56Gh78.css"
SCRIPT_BODY = b"document.body.dataset.loaded='yes';\n"
STYLE_BODY = b"body{margin:0}\n"


def write_ui_build(folder: Path) -> Path:
    ui = folder / "ui"
    ui.mkdir(parents=True)
    manifest = {"src/main.tsx": {"file": SCRIPT, "isEntry": True, "css": [STYLE]}}
    (ui / "manifest.json").write_text(json.dumps(manifest))
    (ui / SCRIPT).write_bytes(SCRIPT_BODY)
    (ui / STYLE).write_bytes(STYLE_BODY)
    (ui / "secret.txt").write_text("not listed in the manifest")
    return folder


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    dist = write_ui_build(tmp_path / "widget-dist")
    return settings.model_copy(update={"widget_dist_dir": dist})
