"""Bare-iframe mode (embed protocol §4): a client's backend asks for a frame URL for one
target origin; the URL's ticket trades once for a session bound to that origin."""

from __future__ import annotations

import re
from typing import Any

import httpx
from fastapi import FastAPI

from tests.factories import TestClient, assert_error, make_client, make_credential

HOST = "https://app.acme.example"


async def widget_url(
    api: httpx.AsyncClient, client: TestClient, key: str | None = None, **body: Any
) -> httpx.Response:
    headers = {"Idempotency-Key": key} if key else {}
    return await api.post("/v1/widget_url", json=body, auth=client.auth, headers=headers)


async def test_the_url_trades_once_for_a_session_bound_to_the_target(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app, origins=[HOST])
    response = await widget_url(
        api, client, client_user_id="u1", target_origin=HOST, language="es", products=["accounts"]
    )
    assert response.status_code == 200, response.text
    url = response.json()["url"]
    assert f"/connect/frame?client={client.id}&embed=bare&lang=es#ticket=glwt_sandbox_" in url
    ticket = url.split("#ticket=", 1)[1]
    started = await api.post("/connect/api/sessions", json={"frame_ticket": ticket})
    assert started.status_code == 200, started.text
    session = started.json()["session"]
    assert started.json()["host_origin"] == HOST
    assert (session["mode"], session["language"], session["products"]) == (
        "create",
        "es",
        ["accounts"],
    )
    again = await api.post("/connect/api/sessions", json={"frame_ticket": ticket})
    assert_error(again, 401, "token_invalid")


async def test_update_mode_from_a_credential(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app, origins=[HOST])
    credential_id = await make_credential(app, client, "u1")
    response = await widget_url(
        api, client, utility_credential_id=credential_id, target_origin=HOST
    )
    assert response.status_code == 200, response.text
    ticket = response.json()["url"].split("#ticket=", 1)[1]
    started = await api.post("/connect/api/sessions", json={"frame_ticket": ticket})
    assert started.json()["session"]["mode"] == "update"
    assert started.json()["session"]["utility_credential_id"] == credential_id


async def test_exactly_one_end_user_field(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app, origins=[HOST])
    credential_id = await make_credential(app, client, "u1")
    neither = await widget_url(api, client, target_origin=HOST)
    assert_error(neither, 422, "invalid_request")
    both = await widget_url(
        api, client, client_user_id="u1", utility_credential_id=credential_id, target_origin=HOST
    )
    assert_error(both, 422, "invalid_request")
    missing_origin = await widget_url(api, client, client_user_id="u1")
    assert_error(missing_origin, 422, "invalid_request")


async def test_target_origin_must_match_exactly(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app, origins=[HOST])
    near_misses = [
        HOST + "/",
        HOST + ":443",
        "http://app.acme.example",
        "https://APP.acme.example",
        "https://app.acme.example.evil.example",
        "https://evil.example",
        HOST + "/connect",
    ]
    for origin in near_misses:
        error = assert_error(
            await widget_url(api, client, client_user_id="u1", target_origin=origin),
            422,
            "invalid_request",
        )
        assert error["fields"] == ["target_origin"]


async def test_a_retry_with_the_same_key_returns_the_same_url(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app, origins=[HOST])
    first = await widget_url(api, client, "key-1", client_user_id="u1", target_origin=HOST)
    second = await widget_url(api, client, "key-1", client_user_id="u1", target_origin=HOST)
    assert first.status_code == second.status_code == 200
    assert first.json() == second.json()
    other = await widget_url(api, client, "key-2", client_user_id="u1", target_origin=HOST)
    assert other.json()["url"] != first.json()["url"]
    reused = await widget_url(api, client, "key-1", client_user_id="u2", target_origin=HOST)
    assert reused.status_code in (409, 422), reused.text


async def test_it_needs_client_authentication(api: httpx.AsyncClient) -> None:
    response = await api.post(
        "/v1/widget_url", json={"client_user_id": "u1", "target_origin": HOST}
    )
    assert_error(response, 401, "unauthorized")


def test_the_protocol_names_the_same_required_fields_as_the_api() -> None:
    """docs/reference/embed-protocol.md §4 once called `language` required; it is optional."""
    from pathlib import Path

    from gridlink import create_app
    from gridlink.connect.widget_schemas import WidgetUrlRequest

    protocol = Path(__file__).parents[2] / "docs" / "reference" / "embed-protocol.md"
    section = protocol.read_text().split("## 4. Bare-iframe mode", 1)[1].split("\n\n", 1)[0]
    documented = set(re.findall(r"required\s+`(\w+)`", section))
    schema = create_app().openapi()["components"]["schemas"][WidgetUrlRequest.__name__]
    assert documented == set(schema["required"]) == {"target_origin"}
    assert "language" in schema["properties"]
    assert "browser" in schema["properties"]["language"]["description"]
