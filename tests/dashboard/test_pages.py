"""/dashboard: one shell for every page path, with a strict CSP and never framed; its built
files under /dashboard/assets/; an unknown API path is a JSON 404, not the page."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest

from gridlink.config import Settings
from gridlink.dashboard import pages
from tests.factories import assert_error


def _fake_build(folder: Path) -> None:
    (folder / ".vite").mkdir(parents=True)
    (folder / "assets").mkdir()
    (folder / "assets" / "main-abc123.js").write_text("console.log('dashboard');\n" * 200)
    (folder / "assets" / "main-abc123.css").write_text("body{margin:0}")
    manifest = {pages.ENTRY: {"file": "assets/main-abc123.js", "css": ["assets/main-abc123.css"]}}
    (folder / ".vite" / "manifest.json").write_text(json.dumps(manifest))


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    dist = tmp_path / "widget-dist"
    _fake_build(dist / "dashboard")
    return settings.model_copy(update={"widget_dist_dir": dist})


@pytest.mark.parametrize("path", ["/dashboard", "/dashboard/", "/dashboard/credentials/ucr_1?x=1"])
async def test_every_page_path_gets_the_shell(api: httpx.AsyncClient, path: str) -> None:
    response = await api.get(path)
    assert response.status_code == 200
    html = response.text
    assert '<script type="module" src="/dashboard/assets/main-abc123.js"></script>' in html
    assert '<link rel="stylesheet" href="/dashboard/assets/main-abc123.css">' in html
    assert '<div id="app">' in html
    policy = response.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "style-src 'self'" in policy
    assert policy.endswith("frame-ancestors 'none'")
    assert "unsafe-inline" not in policy
    assert response.headers["x-frame-options"] == "DENY"


async def test_the_built_files_are_served_and_nothing_else(api: httpx.AsyncClient) -> None:
    script = await api.get("/dashboard/assets/main-abc123.js")
    assert script.status_code == 200
    assert script.headers["content-type"].startswith("text/javascript")
    assert "immutable" in script.headers["cache-control"]
    # Each encoding the browser asks for, from the forms compressed once (not the dynamic gzip).
    for asked, sent in (("br", "br"), ("gzip", "gzip"), ("br, gzip", "br"), ("identity", None)):
        answer = await api.get(
            "/dashboard/assets/main-abc123.js", headers={"Accept-Encoding": asked}
        )
        assert answer.headers.get("content-encoding") == sent, asked
        assert answer.text == script.text
    for name in ("missing.js", "..%2Fmanifest.json", ".vite"):
        assert_error(await api.get(f"/dashboard/assets/{name}"), 404, "not_found")


async def test_an_unknown_api_path_is_a_json_404(api: httpx.AsyncClient) -> None:
    assert_error(await api.get("/dashboard/api/nothing-here"), 404, "not_found")
    assert_error(await api.get("/dashboard/api"), 404, "not_found")


async def test_the_api_is_never_stored(api: httpx.AsyncClient) -> None:
    response = await api.get("/dashboard/api/overview")
    assert response.headers["cache-control"] == "no-store"


async def test_without_a_build_the_page_says_how_to_make_one(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    assert settings.widget_dist_dir is not None
    (settings.widget_dist_dir / "dashboard" / ".vite" / "manifest.json").unlink()
    response = await api.get("/dashboard")
    assert response.status_code == 500
    assert "make widget-build" in response.text
