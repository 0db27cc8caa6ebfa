"""The Connect page: its shell names the built, hashed assets; the assets are served with the
right types and cached; the CSP allows nothing inline and only the client's logo host for
images; connect links open the same page full-page; the session carries the client's branding."""

from __future__ import annotations

import re
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from gridlink import Settings
from gridlink.connect.ui_assets import UI_SOURCE_DIST, load_build
from tests.attempts.flows import connect_token
from tests.connect.conftest import SCRIPT, SCRIPT_BODY, STYLE, STYLE_BODY
from tests.credentials.helpers import add_credential
from tests.factories import make_client

HOST = "https://app.acme.example"
LOGO = "https://cdn.acme.example/brand/logo.svg"


def asset_paths(html: str) -> list[str]:
    return re.findall(r'(?:src|href)="(ui/[^"]+)"', html)


def csp(response: httpx.Response) -> dict[str, str]:
    policy = response.headers["content-security-policy"]
    return dict(part.strip().split(" ", 1) for part in policy.split(";"))


async def test_the_frame_page_names_its_built_assets_and_they_are_served(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app, origins=[HOST])
    page = await api.get("/connect/frame", params={"client": client.id})
    assert page.status_code == 200
    assert 'data-page="frame"' in page.text
    assert sorted(asset_paths(page.text)) == sorted([f"ui/{SCRIPT}", f"ui/{STYLE}"])
    assert f'<script type="module" src="ui/{SCRIPT}"></script>' in page.text
    expected = {SCRIPT: ("text/javascript", SCRIPT_BODY), STYLE: ("text/css", STYLE_BODY)}
    for path in asset_paths(page.text):  # relative to /connect/frame
        served = await api.get(f"/connect/{path}")
        content_type, body = expected[path.removeprefix("ui/")]
        assert served.status_code == 200
        assert served.headers["content-type"].startswith(content_type)
        assert served.content == body
        assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
        assert served.headers["x-content-type-options"] == "nosniff"


@pytest.mark.parametrize(
    "name", ["secret.txt", "manifest.json", "..%2Fui%2Fmanifest.json", "main-unknown.js"]
)
async def test_only_the_manifests_files_are_served(api: httpx.AsyncClient, name: str) -> None:
    response = await api.get(f"/connect/ui/{name}")
    assert response.status_code == 404
    assert response.headers["cache-control"] == "no-store"


async def test_the_csp_allows_images_only_from_here_and_the_clients_logo_host(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app, origins=[HOST], logo_url=LOGO)
    policy = csp(await api.get("/connect/frame", params={"client": client.id}))
    assert policy["img-src"] == "'self' https://cdn.acme.example"
    assert policy["script-src"] == "'self'"
    assert policy["default-src"] == "'self'"  # so style-src too: no inline style
    assert policy["frame-ancestors"] == HOST
    unbranded = await make_client(app, origins=[HOST])
    plain = csp(await api.get("/connect/frame", params={"client": unbranded.id}))
    assert plain["img-src"] == "'self'"


async def test_an_unbuilt_ui_answers_a_page_saying_how_to_build_it(
    settings: Settings, app: FastAPI, api: httpx.AsyncClient, tmp_path: Path
) -> None:
    app.state.settings = settings.model_copy(update={"widget_dist_dir": tmp_path / "empty"})
    for path in ("/connect/frame", "/connect/link"):
        response = await api.get(path)
        assert response.status_code == 500
        assert response.headers["content-type"].startswith("text/html")
        assert "make widget-build" in response.text
        assert "content-security-policy" in response.headers
    assert (await api.get(f"/connect/ui/{SCRIPT}")).status_code == 404


async def test_a_connect_link_opens_the_page_full_page_never_framed(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app, origins=[HOST], logo_url=LOGO)
    credential_id = await add_credential(app, client)
    created = await api.post(
        f"/v1/utility_credentials/{credential_id}/connect_link", auth=client.auth
    )
    assert created.status_code == 201, created.text
    url = httpx.URL(created.json()["url"])
    assert url.path == "/connect/link"
    assert url.fragment.startswith("token=glcl_sandbox_")  # the server never sees it
    page = await api.get(url.copy_with(fragment=None).raw_path.decode())
    assert page.status_code == 200
    assert 'data-page="link"' in page.text
    assert asset_paths(page.text)
    policy = csp(page)
    assert policy["frame-ancestors"] == "'none'"
    assert policy["img-src"] == "'self' https://cdn.acme.example"
    token = url.fragment.removeprefix("token=")
    opened = await api.post("/connect/api/sessions", json={"connect_link_token": token})
    assert opened.status_code == 200, opened.text
    assert opened.json()["session"]["mode"] == "update"
    assert opened.json()["session"]["client"]["logo_url"] == LOGO


async def test_the_session_carries_the_clients_branding_and_the_legal_links(
    settings: Settings, app: FastAPI, api: httpx.AsyncClient
) -> None:
    app.state.settings = settings.model_copy(
        update={
            "connect_terms_url": "https://gridlink.acme.example/terms",
            "connect_privacy_url": "https://gridlink.acme.example/privacy",
        }
    )
    client = await make_client(app, origins=[HOST], logo_url=LOGO, accent_color="#0B6E4F")
    token = await connect_token(api, client, client_user_id="u1", utility_id="sandbox_electric")
    started = await api.post("/connect/api/sessions", json={"connect_token": token})
    assert started.status_code == 200, started.text
    session = started.json()["session"]
    assert session["client"] == {"name": "Acme Energy", "logo_url": LOGO, "accent_color": "#0b6e4f"}
    assert session["terms_url"] == "https://gridlink.acme.example/terms"
    assert session["privacy_url"] == "https://gridlink.acme.example/privacy"
    forgot = session["utility"]["forgot_password_url"]
    assert forgot == "https://power.sandbox.example/forgot-password"
    bearer = {"Authorization": f"Bearer {started.json()['session_token']}"}
    again = (await api.get("/connect/api/session", headers=bearer)).json()
    assert again["client"] == session["client"]


async def test_an_unbranded_client_has_no_logo_or_colour(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app, origins=[HOST])
    token = await connect_token(api, client, client_user_id="u1")
    session = (await api.post("/connect/api/sessions", json={"connect_token": token})).json()
    assert session["session"]["client"] == {
        "name": "Acme Energy",
        "logo_url": None,
        "accent_color": None,
    }
    assert session["session"]["terms_url"] is None


def test_the_checkout_build_resolves_through_its_manifest() -> None:
    """`make test` builds the widget before pytest; the real manifest must name real files."""
    build = load_build(UI_SOURCE_DIST)
    if build is None:
        pytest.skip("widget/packages/ui is not built here (run `make widget-build`)")
    assert build.script.endswith(".js")
    assert [style.endswith(".css") for style in build.styles] == [True]  # one CSS file
    assert all((UI_SOURCE_DIST / name).is_file() for name in build.files)
