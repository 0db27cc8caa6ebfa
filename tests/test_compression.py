"""Dynamic answers are gzipped when the client asks (kit/compression.py): JSON whole, the CSV
export chunk by chunk while it streams; never an answer to a POST (BREACH), and no GET route
answers a secret."""

from __future__ import annotations

import asyncio
import gzip
import zlib
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from fastapi.routing import iter_route_contexts
from pydantic import BaseModel

from gridlink.data import service
from gridlink.kit.compression import MINIMUM_SIZE
from tests.data.helpers import Seeded, quarter_hours, seed, utc
from tests.factories import TestClient, make_client

INTERVALS = "/v1/utility_intervals"
DAYS = 30  # 2,880 readings: two CSV chunks of 2,000 lines, ~260 kB of JSON


async def _meter_with_readings(app: FastAPI) -> tuple[TestClient, Seeded]:
    client = await make_client(app)
    seeded = await seed(app, client)
    async with app.state.db.transaction() as session:
        await service.upsert_intervals(
            session, seeded.meter_id, quarter_hours(utc(2025, 6, 1), 96 * DAYS)
        )
    return client, seeded


def _window(seeded: Seeded, **extra: str) -> dict[str, str]:
    return {
        "meter_id": seeded.meter_id,
        "start": "2025-06-01T00:00:00Z",
        "end": "2025-07-01T00:00:00Z",
        **extra,
    }


async def _raw(
    api: httpx.AsyncClient,
    path: str,
    accept_encoding: str | None,
    *,
    params: dict[str, str] | None = None,
    auth: httpx.Auth | tuple[str, str] | None = None,
) -> tuple[httpx.Response, bytes]:
    """The answer and its body exactly as sent (httpx would decode it otherwise)."""
    headers = {} if accept_encoding is None else {"Accept-Encoding": accept_encoding}
    request = api.build_request("GET", path, headers=headers, params=params)
    if accept_encoding is None:
        del request.headers["Accept-Encoding"]  # httpx adds its own by default
    response = await api.send(request, auth=auth, stream=True)
    body = b"".join([chunk async for chunk in response.aiter_raw()])
    await response.aclose()
    return response, body


async def test_json_is_gzipped_when_asked_and_identity_otherwise(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    client, seeded = await _meter_with_readings(app)
    params = _window(seeded)
    plain, identity = await _raw(api, INTERVALS, "identity", params=params, auth=client.auth)
    assert plain.status_code == 200
    assert "content-encoding" not in plain.headers
    assert plain.headers["vary"] == "Accept-Encoding"  # a shared cache must keep both apart
    assert len(identity) > 200_000

    packed, body = await _raw(api, INTERVALS, "gzip, br", params=params, auth=client.auth)
    assert packed.headers["content-encoding"] == "gzip"
    assert packed.headers["vary"] == "Accept-Encoding"
    assert int(packed.headers["content-length"]) == len(body) < len(identity) / 5
    assert gzip.decompress(body) == identity

    for refused in (None, "gzip;q=0, identity", "br"):
        answer, same = await _raw(api, INTERVALS, refused, params=params, auth=client.auth)
        assert "content-encoding" not in answer.headers, refused
        assert same == identity


async def test_the_csv_export_still_streams_compressed(app: FastAPI) -> None:
    """Driven at the ASGI level, to see each chunk as the app sends it."""
    client, seeded = await _meter_with_readings(app)
    query = httpx.QueryParams(_window(seeded, format="csv"))
    auth = httpx.BasicAuth(client.id, client.secret)
    authorization = auth._auth_header.encode()

    async def run(accept_encoding: bytes) -> tuple[dict[str, str], list[bytes]]:
        messages: list[dict[str, Any]] = []
        scope = {
            "type": "http",
            "asgi": {"version": "3.0"},
            "http_version": "1.1",
            "method": "GET",
            "scheme": "http",
            "path": INTERVALS,
            "raw_path": INTERVALS.encode(),
            "query_string": str(query).encode(),
            "headers": [
                (b"host", b"testserver"),
                (b"authorization", authorization),
                (b"accept-encoding", accept_encoding),
            ],
            "client": ("127.0.0.1", 50000),
            "server": ("testserver", 80),
            "state": {},
        }

        requested = asyncio.Event()

        async def receive() -> dict[str, Any]:
            if not requested.is_set():
                requested.set()
                return {"type": "http.request", "body": b"", "more_body": False}
            await asyncio.Event().wait()  # the client stays connected
            raise AssertionError("unreachable")

        async def send(message: dict[str, Any]) -> None:
            messages.append(message)

        await app(scope, receive, send)
        start = messages[0]
        assert start["status"] == 200
        headers = {k.decode(): v.decode() for k, v in start["headers"]}
        bodies = [m for m in messages[1:] if m["type"] == "http.response.body"]
        assert all(m.get("more_body") for m in bodies[:-1])
        return headers, [m.get("body", b"") for m in bodies]

    plain_headers, plain = await run(b"identity")
    assert "content-encoding" not in plain_headers
    headers, chunks = await run(b"gzip")
    assert headers["content-encoding"] == "gzip"
    assert "content-length" not in headers  # streamed, not buffered to learn the length
    # Every chunk of the CSV leaves as soon as it is made, each flushed and decodable on its own.
    assert len([c for c in chunks if c]) >= 3
    decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
    decoded = [decoder.decompress(chunk) for chunk in chunks]
    assert decoded[:2] == plain[:2]  # header row, then the first 2,000 lines, unbuffered
    assert b"".join(decoded) + decoder.flush() == b"".join(plain)


async def test_an_answer_to_a_post_is_never_compressed(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    """A new webhook endpoint's answer holds its signing secret next to the URL the caller
    chose: BREACH's shape. The same URL read back by GET (no secret) is compressed."""
    client = await make_client(app)
    url = "http://127.0.0.1:9/" + "gridlink/" * 150  # sandbox clients may use loopback
    created = await api.post(
        "/v1/webhook_endpoints",
        json={"url": url},
        auth=client.auth,
        headers={"Accept-Encoding": "gzip"},
    )
    assert created.status_code == 201, created.text
    assert created.json()["secret"].startswith("whsec_")
    assert len(created.content) > MINIMUM_SIZE
    assert "content-encoding" not in created.headers
    endpoint = created.json()["id"]
    read, body = await _raw(api, f"/v1/webhook_endpoints/{endpoint}", "gzip", auth=client.auth)
    assert read.headers["content-encoding"] == "gzip"
    assert gzip.decompress(body).decode().count("gridlink/") == 150


SECRET_FIELDS = frozenset(
    {
        "access_token",
        "authorization_code",
        "client_secret",
        "connect_token",
        "frame_url",
        "secret",
        "session_token",
        "token",
    }
)


def _field_names(model: Any, seen: set[type] | None = None) -> set[str]:
    """Every field name in a response model, nested models and lists of them included."""
    seen = seen if seen is not None else set()
    names: set[str] = set()
    for candidate in _models_in(model):
        if candidate in seen:
            continue
        seen.add(candidate)
        for name, field in candidate.model_fields.items():
            names.add(name)
            names |= _field_names(field.annotation, seen)
    return names


def _models_in(annotation: Any) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        found = [annotation]
        for base in annotation.__pydantic_generic_metadata__.get("args", ()):
            found += _models_in(base)
        return found
    return [m for arg in getattr(annotation, "__args__", ()) for m in _models_in(arg)]


def _routes(app: FastAPI, method: str) -> list[Any]:
    return [r for r in iter_route_contexts(app.routes) if method in (r.methods or ())]


def _model(route: Any) -> Any:
    return getattr(route, "response_model", None)  # None for the docs pages


def test_no_get_route_answers_a_secret(app: FastAPI) -> None:
    """Compression is on for GET answers only, so none may carry a secret."""
    leaking = {
        route.path_format: sorted(_field_names(_model(route)) & SECRET_FIELDS)
        for route in _routes(app, "GET")
    }
    assert {path: names for path, names in leaking.items() if names} == {}
    # The check sees secrets where they are: the POST answers that mint them.
    minted = {
        route.path_format
        for route in _routes(app, "POST")
        if _field_names(_model(route)) & SECRET_FIELDS
    }
    assert {
        "/v1/auth/token",
        "/v1/auth/connect_token",
        "/connect/api/frames",
        "/connect/api/sessions",
        "/v1/webhook_endpoints",
        "/connect/api/attempts/{attempt_id}/complete",
    } <= minted


@pytest.mark.parametrize("path", ["/healthz", "/v1/nope"])
async def test_small_answers_are_sent_as_they_are(api: httpx.AsyncClient, path: str) -> None:
    response, body = await _raw(api, path, "gzip")
    assert "content-encoding" not in response.headers
    assert len(body) < MINIMUM_SIZE
