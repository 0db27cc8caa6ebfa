"""The loader's path (embed protocol §1): a connect token in a POST body becomes a frame URL
whose fragment carries a single-use, 5-minute frame ticket, traded by the frame for a session."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from fastapi import FastAPI

from gridlink.connect.loading_card import LABELS, card_language
from gridlink.connect.schemas import Language
from gridlink.kit.clock import ManualClock
from tests.attempts.flows import connect_token
from tests.factories import assert_error, make_client

HOST = "https://app.acme.example"
OTHER = "https://evil.example"
CORS = {
    "access-control-allow-methods": "POST",
    "access-control-allow-headers": "Content-Type",
    "vary": "Origin",
}


def ticket_of(url: str) -> str:
    fragment = url.split("#", 1)[1]
    assert fragment.startswith("ticket=glwt_sandbox_")
    return fragment.removeprefix("ticket=")


UI_MESSAGES = Path(__file__).resolve().parents[2] / "widget/packages/ui/src/messages"


async def frame(
    api: httpx.AsyncClient,
    token: str,
    origin: str | None = HOST,
    *,
    accept_language: str | None = None,
) -> httpx.Response:
    headers = {"Origin": origin} if origin else {}
    if accept_language is not None:
        headers["Accept-Language"] = accept_language
    return await api.post("/connect/api/frames", json={"connect_token": token}, headers=headers)


async def test_preflight_answers_any_origin_without_credentials(api: httpx.AsyncClient) -> None:
    response = await api.options(
        "/connect/api/frames",
        headers={"Origin": OTHER, "Access-Control-Request-Method": "POST"},
    )
    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == OTHER
    for name, value in CORS.items():
        assert response.headers[name] == value
    assert "access-control-allow-credentials" not in response.headers
    assert response.headers["cache-control"] == "no-store"


async def test_a_registered_origin_gets_a_frame_url(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app, origins=[HOST, "http://localhost:3000"])
    response = await frame(api, await connect_token(api, client, client_user_id="u1"))
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["frame_url"].startswith(f"http://127.0.0.1:8080/connect/frame?client={client.id}#")
    ticket_of(body["frame_url"])
    assert response.headers["access-control-allow-origin"] == HOST
    for name, value in CORS.items():
        assert response.headers[name] == value
    assert "access-control-allow-credentials" not in response.headers
    assert response.headers["referrer-policy"] == "no-referrer"


async def test_the_answer_carries_what_the_loading_card_shows(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    """The loader draws its loading card in the session's language and the client's colours
    before the frame is ready, and knows the session id for an early onExit."""
    branded = await make_client(app, name="Acme Energía", origins=[HOST], accent_color="#0b6e4f")
    token = await connect_token(api, branded, client_user_id="u1", language="es")
    body = (await frame(api, token)).json()
    assert body["language"] == "es"
    # The page speaks it before the session is traded (the query, not the ticket's fragment).
    assert f"/connect/frame?client={branded.id}&lang=es#ticket=" in body["frame_url"]
    assert body["client"] == {"name": "Acme Energía", "accent_color": "#0b6e4f"}
    assert body["labels"] == {
        "title": "Conecte su cuenta de servicios públicos",
        "close": "Cerrar",
        "loading": "Cargando…",
    }
    started = await api.post(
        "/connect/api/sessions", json={"frame_ticket": ticket_of(body["frame_url"])}
    )
    assert body["session_id"] == started.json()["session"]["id"]
    assert body["session_id"].startswith("csn_")
    plain = await make_client(app, name="Plain App", origins=[HOST])
    body = (await frame(api, await connect_token(api, plain, client_user_id="u2"))).json()
    assert body["language"] is None
    assert body["client"] == {"name": "Plain App", "accent_color": None}
    assert body["labels"] == LABELS["en"]  # no language anywhere: English
    assert set(body) == {"frame_url", "expires_at", "session_id", "language", "client", "labels"}


async def test_the_card_labels_follow_the_browser_until_the_session_names_a_language(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    """The loader has no translations: the answer's labels are in the language Connect will
    speak, the session's, else the browser's first one it speaks (Accept-Language)."""
    client = await make_client(app, origins=[HOST])
    for header, expected in [
        ("es-MX,es;q=0.9,en;q=0.8", "es"),
        ("fr-FR, es;q=0.5, en;q=0.4", "es"),  # the first language Connect speaks
        ("en;q=0.3, es;q=0.7", "es"),  # by weight, not by place
        ("de, fr", "en"),
        ("es;q=0, en", "en"),
        ("", "en"),
    ]:
        token = await connect_token(api, client, client_user_id="u1")
        body = (await frame(api, token, accept_language=header)).json()
        assert body["labels"] == LABELS[expected], header
        assert body["language"] is None
    token = await connect_token(api, client, client_user_id="u2", language="en")
    body = (await frame(api, token, accept_language="es-ES,es")).json()
    assert body["labels"]["close"] == "Close"  # the session's language wins


@pytest.mark.parametrize(
    ("session", "header", "expected"),
    [
        (None, "ES-es", "es"),
        (None, "es;q=abc, en", "en"),  # a malformed weight counts as "not this one"
        (None, ";;,,q=1,  ,es", "es"),
        (None, "*", "en"),
        ("es", None, "es"),
        ("xx", "es", "es"),  # a stored language Connect does not speak is skipped, like the UI
    ],
)
def test_card_language_reads_any_header_without_failing(
    session: str | None, header: str | None, expected: str
) -> None:
    assert card_language(session, header) == expected


@pytest.mark.parametrize("language", ["en", "es"])
def test_the_card_labels_are_the_connect_uis_own_texts(language: Language) -> None:
    """The same words as the frame's card (its title, close button and loading status), so the
    swap from the loader's card to the frame's changes nothing a screen reader reads."""
    messages = json.loads((UI_MESSAGES / f"{language}.json").read_text(encoding="utf-8"))
    assert LABELS[language] == {key: messages[key] for key in ("title", "close", "loading")}


async def test_the_loaders_text_plain_body_is_read_as_json_with_no_preflight(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    """connect.js sends its JSON as text/plain, which browsers send without a CORS preflight."""
    client = await make_client(app, origins=[HOST])
    token = await connect_token(api, client, client_user_id="u1")
    response = await api.post(
        "/connect/api/frames",
        content=json.dumps({"connect_token": token}),
        headers={"Origin": HOST, "Content-Type": "text/plain;charset=UTF-8"},
    )
    assert response.status_code == 200, response.text
    ticket_of(response.json()["frame_url"])
    assert response.headers["access-control-allow-origin"] == HOST
    # Still JSON that is checked: not JSON, or another form, is a clear error.
    for content_type, content in [
        ("text/plain", "connect_token=" + token),
        ("application/x-www-form-urlencoded", "connect_token=" + token),
    ]:
        refused = await api.post(
            "/connect/api/frames",
            content=content,
            headers={"Origin": HOST, "Content-Type": content_type},
        )
        assert_error(refused, 422, "invalid_request")
    # Other endpoints keep wanting application/json.
    plain = await api.post(
        "/connect/api/sessions",
        content=json.dumps({"connect_token": token}),
        headers={"Content-Type": "text/plain"},
    )
    assert_error(plain, 422, "invalid_request")


async def test_an_unregistered_origin_is_refused_readably(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app, origins=[HOST])
    token = await connect_token(api, client, client_user_id="u1")
    for origin in (OTHER, HOST + "/", "http://app.acme.example", HOST + ":443", None):
        response = await frame(api, token, origin)
        error = assert_error(response, 403, "forbidden")
        assert f"gridlink clients update {client.id} --add-origin" in str(error["message"])
        if origin:
            assert repr(origin) in str(error["message"])
            assert response.headers["access-control-allow-origin"] == origin
    # A refused origin opens nothing: the registered page can still use the token.
    assert (await frame(api, token)).status_code == 200


async def test_the_ticket_is_traded_once_for_a_session_that_works(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client = await make_client(app, origins=[HOST])
    url = (await frame(api, await connect_token(api, client, client_user_id="u1"))).json()
    ticket = ticket_of(url["frame_url"])
    started = await api.post("/connect/api/sessions", json={"frame_ticket": ticket})
    assert started.status_code == 200, started.text
    body = started.json()
    assert body["host_origin"] == HOST
    assert body["session"]["host_origin"] == HOST
    assert body["session"]["step"] == "consent"
    bearer = {"Authorization": f"Bearer {body['session_token']}"}
    consented = await api.post(
        "/connect/api/session/consent",
        json={"consent_version": body["session"]["consent_version"]},
        headers=bearer,
    )
    assert consented.status_code == 200, consented.text
    assert consented.json()["step"] == "utility"
    again = await api.post("/connect/api/sessions", json={"frame_ticket": ticket})
    assert_error(again, 401, "token_invalid")


async def test_the_ticket_expires_after_five_minutes(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app, origins=[HOST])
    token = await connect_token(api, client, client_user_id="u1")
    late = ticket_of((await frame(api, token)).json()["frame_url"])
    token = await connect_token(api, client, client_user_id="u2")
    at_five_minutes = ticket_of((await frame(api, token)).json()["frame_url"])
    clock.advance(timedelta(minutes=5))
    response = await api.post("/connect/api/sessions", json={"frame_ticket": at_five_minutes})
    assert response.status_code == 401  # expires_at is exclusive: at 5 min it is gone
    clock.advance(timedelta(seconds=1))
    assert_error(
        await api.post("/connect/api/sessions", json={"frame_ticket": late}), 401, "token_invalid"
    )


async def test_a_ticket_just_before_expiry_works(
    app: FastAPI, api: httpx.AsyncClient, clock: ManualClock
) -> None:
    client = await make_client(app, origins=[HOST])
    token = await connect_token(api, client, client_user_id="u1")
    ticket = ticket_of((await frame(api, token)).json()["frame_url"])
    clock.advance(timedelta(minutes=4, seconds=59))
    response = await api.post("/connect/api/sessions", json={"frame_ticket": ticket})
    assert response.status_code == 200, response.text


async def test_sessions_take_exactly_one_of_the_three(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app, origins=[HOST])
    token = await connect_token(api, client, client_user_id="u1")
    ticket = ticket_of((await frame(api, token)).json()["frame_url"])
    both = await api.post(
        "/connect/api/sessions", json={"frame_ticket": ticket, "connect_token": token}
    )
    assert_error(both, 422, "invalid_request")
    assert_error(await api.post("/connect/api/sessions", json={}), 422, "invalid_request")
    forged = ticket[:-1] + ("A" if ticket[-1] != "A" else "B")
    assert_error(
        await api.post("/connect/api/sessions", json={"frame_ticket": forged}),
        401,
        "token_invalid",
    )
