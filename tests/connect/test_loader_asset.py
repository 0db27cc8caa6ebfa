"""`gridlink serve` serves the built connect.js loader at /connect.js."""

from __future__ import annotations

from pathlib import Path

import httpx
from asgi_lifespan import LifespanManager

from gridlink import Settings, create_app
from gridlink.connect.assets import SOURCE_DIST
from tests.factories import assert_error


async def _get(settings: Settings, path: str) -> httpx.Response:
    app = create_app(settings)
    async with LifespanManager(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://t") as api:
            return await api.get(path)


async def test_serves_the_built_loader(settings: Settings, tmp_path: Path) -> None:
    dist = tmp_path / "dist"
    dist.mkdir()
    body = b"(()=>{window.Gridlink=window.Gridlink||{create(){}}})();\n"
    (dist / "connect.js").write_bytes(body)
    response = await _get(settings.model_copy(update={"widget_dist_dir": dist}), "/connect.js")
    assert response.status_code == 200
    assert response.content == body
    assert response.headers["content-type"].startswith("text/javascript")
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_an_unbuilt_loader_says_how_to_build_it(settings: Settings, tmp_path: Path) -> None:
    update = {"widget_dist_dir": tmp_path / "empty"}
    response = await _get(settings.model_copy(update=update), "/connect.js")
    error = assert_error(response, 404, "not_found")
    assert "npm run build" in str(error["message"])


def test_the_default_is_the_checkout_build_folder() -> None:
    assert SOURCE_DIST.parts[-4:] == ("widget", "packages", "connect", "dist")
    assert (SOURCE_DIST.parents[2] / "package.json").is_file()
