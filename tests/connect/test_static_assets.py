"""Built files served pre-compressed (kit/static_files.py): the Connect page's hashed assets,
connect.js, the demo's page and files, the favicon and the npm tarballs. Brotli or gzip as the
client asks, identity otherwise, one ETag per form, `Vary: Accept-Encoding`, the right caching,
and bodies that decompress to the very bytes on disk."""

from __future__ import annotations

import gzip
import os
from pathlib import Path

import brotli
import httpx
import pytest
from fastapi import FastAPI

import gridlink
from gridlink import Settings
from gridlink.demo.routes import STATIC
from gridlink.kit.static_files import accepted
from tests.connect.conftest import SCRIPT
from tests.factories import assert_error, make_client

# Big and repetitive enough that both encodings pay, as the real build does.
LOADER = b"(()=>{window.Gridlink=window.Gridlink||{create(config){return config}}})();\n" * 60
UI_SCRIPT = b"export const messages={consent:'Share your utility data',back:'Back'};\n" * 80
FAVICON = Path(gridlink.__file__).parent / "static" / "favicon.svg"
TARBALL = b"\x1f\x8b\x08\x00" + os.urandom(600)  # npm pack output is gzip already


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """The connect/ conftest's small UI build, with real-sized files beside it."""
    assert settings.widget_dist_dir is not None
    dist = settings.widget_dist_dir
    (dist / "connect.js").write_bytes(LOADER)
    (dist / "ui" / SCRIPT).write_bytes(UI_SCRIPT)
    (dist / "npm").mkdir()
    (dist / "npm" / "gridlink-connect-0.1.0.tgz").write_bytes(TARBALL)
    (dist / "npm" / "notes.txt").write_text("not a package")
    return settings


async def _raw(
    api: httpx.AsyncClient, path: str, accept_encoding: str, **headers: str
) -> tuple[httpx.Response, bytes]:
    """The answer and its body exactly as sent (httpx would decode it otherwise)."""
    request = api.build_request(
        "GET", path, headers={"Accept-Encoding": accept_encoding, **headers}
    )
    response = await api.send(request, stream=True)
    body = b"".join([chunk async for chunk in response.aiter_raw()])
    await response.aclose()
    return response, body


DECODERS = {"br": brotli.decompress, "gzip": gzip.decompress}


async def _check_negotiation(api: httpx.AsyncClient, path: str, on_disk: bytes) -> set[str]:
    """Each encoding when asked, identity when not; returns the ETags seen."""
    etags = set()
    for accept, expected in (
        ("gzip, deflate, br, zstd", "br"),  # what Chromium sends
        ("gzip", "gzip"),
        ("br;q=0, gzip;q=0.5", "gzip"),
        ("*", "br"),
        ("identity", None),
        ("gzip;q=0", None),
        ("", None),
    ):
        response, body = await _raw(api, path, accept)
        assert response.status_code == 200, (path, accept)
        assert response.headers["vary"] == "Accept-Encoding", (path, accept)
        assert response.headers.get("content-encoding") == expected, (path, accept)
        assert int(response.headers["content-length"]) == len(body)
        decoded = DECODERS[expected](body) if expected else body
        assert decoded == on_disk, (path, accept)
        if expected:
            assert len(body) < len(on_disk) / 2, (path, accept)
        etags.add(response.headers["etag"])
    assert len(etags) == 3, etags  # one per form: br, gzip, identity
    return etags


async def _check_revalidation(api: httpx.AsyncClient, path: str) -> None:
    first, _ = await _raw(api, path, "br")
    again, body = await _raw(api, path, "br", **{"If-None-Match": first.headers["etag"]})
    assert again.status_code == 304
    assert body == b""
    assert again.headers["etag"] == first.headers["etag"]
    assert again.headers["cache-control"] == first.headers["cache-control"]
    assert again.headers["vary"] == "Accept-Encoding"
    weak, _ = await _raw(api, path, "br", **{"If-None-Match": "W/" + first.headers["etag"]})
    assert weak.status_code == 304
    # Another form's tag is not this form: the gzip client gets the gzip body.
    other, gz = await _raw(api, path, "gzip", **{"If-None-Match": first.headers["etag"]})
    assert other.status_code == 200
    assert other.headers["content-encoding"] == "gzip"
    assert gz


async def test_the_loader_is_compressed_and_revalidated(
    settings: Settings, api: httpx.AsyncClient
) -> None:
    await _check_negotiation(api, "/connect.js", LOADER)
    await _check_revalidation(api, "/connect.js")
    response, _ = await _raw(api, "/connect.js", "gzip")
    assert response.headers["cache-control"] == "public, max-age=300"
    assert response.headers["content-type"] == "text/javascript; charset=utf-8"
    assert response.headers["x-content-type-options"] == "nosniff"


async def test_a_rebuilt_loader_gets_a_new_etag_at_once(
    settings: Settings, api: httpx.AsyncClient
) -> None:
    assert settings.widget_dist_dir is not None
    before, _ = await _raw(api, "/connect.js", "br")
    rebuilt = LOADER.replace(b"config", b"options")
    path = settings.widget_dist_dir / "connect.js"
    path.write_bytes(rebuilt)
    stat = path.stat()
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))  # a later build
    after, body = await _raw(api, "/connect.js", "br", **{"If-None-Match": before.headers["etag"]})
    assert after.status_code == 200
    assert after.headers["etag"] != before.headers["etag"]
    assert brotli.decompress(body) == rebuilt


async def test_the_connect_pages_assets_are_compressed_and_immutable(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app)
    page = await api.get("/connect/frame", params={"client": client.id})
    assert f'src="ui/{SCRIPT}"' in page.text
    path = f"/connect/ui/{SCRIPT}"
    await _check_negotiation(api, path, UI_SCRIPT)
    await _check_revalidation(api, path)
    response, _ = await _raw(api, path, "br")
    assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert response.headers["x-content-type-options"] == "nosniff"
    assert response.headers["referrer-policy"] == "no-referrer"
    # The page itself is not cached: its CSP follows the client's origins as they change.
    assert page.headers["cache-control"] == "no-store"


async def test_the_demo_page_and_files_are_compressed_and_revalidated(
    api: httpx.AsyncClient,
) -> None:
    for path, name in (("/demo", "index.html"), ("/demo/static/demo.js", "demo.js")):
        await _check_negotiation(api, path, (STATIC / name).read_bytes())
        await _check_revalidation(api, path)
        response, _ = await _raw(api, path, "gzip")
        assert response.headers["cache-control"] == "no-cache"
    page, _ = await _raw(api, "/demo", "br")
    assert page.headers["content-security-policy"].startswith("default-src 'none'")
    assert page.headers["content-type"] == "text/html; charset=utf-8"


async def test_the_favicon_is_served_and_named_by_the_pages(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    response = await api.get("/favicon.svg")
    assert response.status_code == 200
    assert response.headers["content-type"] == "image/svg+xml"
    assert response.content == FAVICON.read_bytes()
    assert response.content.startswith(b"<svg ")
    assert len(response.content) < 1024
    client = await make_client(app)
    for page in (
        (await api.get("/connect/frame", params={"client": client.id})).text,
        (await api.get("/connect/link", params={"client": client.id})).text,
    ):
        # Relative to /connect/frame and /connect/link: the same file.
        assert '<link rel="icon" href="../favicon.svg" type="image/svg+xml">' in page
    assert (
        '<link rel="icon" href="/favicon.svg" type="image/svg+xml">'
        in (await api.get("/demo")).text
    )


async def test_the_npm_tarballs_are_served_as_they_are(
    settings: Settings, api: httpx.AsyncClient
) -> None:
    path = "/npm/gridlink-connect-0.1.0.tgz"
    response, body = await _raw(api, path, "gzip, br")
    assert response.status_code == 200
    assert body == TARBALL
    assert "content-encoding" not in response.headers  # npm would get a gzip of a gzip
    assert response.headers["content-type"] == "application/octet-stream"
    assert response.headers["cache-control"] == "no-cache"
    again, _ = await _raw(api, path, "gzip", **{"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304
    for name in (
        "gridlink-react-0.1.0.tgz",  # not built here
        "notes.txt",
        "gridlink-connect-0.1.0.tgz.map",
        "other-package-1.0.0.tgz",
    ):
        error = assert_error(await api.get(f"/npm/{name}"), 404, "not_found")
        assert "npm run build" in str(error["message"])
    assert_error(await api.get("/npm/..%2Fconnect.js"), 404, "not_found")


@pytest.mark.parametrize(
    ("header", "codings"),
    [
        ("gzip, deflate, br, zstd", {"gzip", "deflate", "br", "zstd"}),
        ("GZIP;Q=1.0", {"gzip"}),
        ("br;q=0, gzip", {"gzip"}),
        ("gzip;q=0.001", {"gzip"}),
        ("gzip;q=bogus", set()),
        ("*;q=0.5, br;q=0", {"gzip"}),
        ("identity", {"identity"}),
        ("", set()),
        (None, set()),
    ],
)
def test_accept_encoding_is_read_with_its_weights(header: str | None, codings: set[str]) -> None:
    assert accepted(header) == codings


async def test_a_missing_build_is_still_a_clear_404(
    settings: Settings, app: FastAPI, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    app.state.settings = settings.model_copy(update={"widget_dist_dir": tmp_path / "none"})
    error = assert_error(await api.get("/connect.js"), 404, "not_found")
    assert "npm run build" in str(error["message"])
    assert (await api.get(f"/connect/ui/{SCRIPT}")).status_code == 404
