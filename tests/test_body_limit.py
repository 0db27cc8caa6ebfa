"""Request bodies over the limit are refused with 413 before they are read (issue 11, item 4).

Each body here is a lazy stream of 64 KiB chunks standing for a 300 MB upload; the stream counts
what the server pulled from it. Refusing "before reading" means: with a Content-Length over the
limit, not one chunk is pulled; chunked, no more than the limit and the one chunk that passed
it. bench/body_limit.py sends the same bodies to a real `gridlink serve` and prints its memory.
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest
from fastapi import FastAPI
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import Receive, Scope, Send

from gridlink.kit.body_limit import BodyLimitMiddleware, BodyLimits, MiB
from gridlink.kit.control_characters import ControlCharacterMiddleware
from tests.factories import assert_error, make_client

CHUNK = 64 * 1024
HUGE = 300 * 1000 * 1000  # the 300 MB body of the report


class Upload:
    """A body of ``size`` bytes made on demand; ``pulled`` is how much the server asked for."""

    def __init__(self, size: int, fill: bytes = b" ") -> None:
        self.size = size
        self.fill = fill
        self.pulled = 0

    async def stream(self) -> AsyncIterator[bytes]:
        while self.pulled < self.size:
            chunk = self.fill * min(CHUNK, self.size - self.pulled)
            self.pulled += len(chunk)
            yield chunk


def _json_of_size(size: int) -> bytes:
    """A valid JSON object of exactly ``size`` bytes (padded with spaces)."""
    head = b'{"connect_token": "glct_x"}'
    return head + b" " * (size - len(head))


@pytest.mark.parametrize("path", ["/connect/api/sessions", "/v1/auth/connect_token"])
async def test_a_declared_length_over_the_limit_is_refused_unread(
    api: httpx.AsyncClient, path: str
) -> None:
    upload = Upload(HUGE)
    response = await api.post(
        path,
        content=upload.stream(),
        headers={"Content-Length": str(HUGE), "Content-Type": "application/json"},
    )
    error = assert_error(response, 413, "payload_too_large")
    assert "1048576 bytes" in str(error["message"])
    assert response.headers["connection"] == "close"
    assert upload.pulled == 0  # not one byte read


@pytest.mark.parametrize("path", ["/connect/api/sessions", "/v1/auth/connect_token"])
async def test_a_chunked_body_is_cut_off_as_it_passes_the_limit(
    app: FastAPI, api: httpx.AsyncClient, path: str
) -> None:
    client = await make_client(app)
    upload = Upload(HUGE)
    response = await api.post(
        path,
        content=upload.stream(),
        headers={"Content-Type": "application/json"},
        auth=client.auth,
    )
    assert "content-length" not in response.request.headers  # it was sent chunked
    assert_error(response, 413, "payload_too_large")
    assert MiB < upload.pulled <= MiB + CHUNK  # the limit, plus the chunk that passed it


async def test_a_body_at_the_limit_is_read(api: httpx.AsyncClient) -> None:
    """Exactly the limit is allowed, declared or chunked: the route answers (401, unknown
    token), not the edge."""
    declared = await api.post(
        "/connect/api/sessions",
        content=_json_of_size(MiB),
        headers={"Content-Type": "application/json"},
    )
    assert_error(declared, 401, "token_invalid")
    upload = Upload(MiB - 2)

    async def chunked() -> AsyncIterator[bytes]:
        yield b"{}"
        async for chunk in upload.stream():
            yield chunk

    streamed = await api.post(
        "/connect/api/sessions", content=chunked(), headers={"Content-Type": "application/json"}
    )
    assert_error(streamed, 422, "invalid_request")  # {} names none of the three tokens
    assert upload.pulled == MiB - 2


async def test_the_limit_is_a_setting(app: FastAPI, api: httpx.AsyncClient) -> None:
    assert app.state.settings.max_body_bytes == MiB  # the documented default


async def _echo_size(scope: Scope, receive: Receive, send: Send) -> None:
    request = Request(scope, receive)
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
    await JSONResponse({"size": size})(scope, receive, send)


async def test_a_streamed_route_has_its_own_limit_and_is_not_buffered() -> None:
    """The hook for uploads: a route listed in ``BodyLimits.streamed`` gets its own limit, and
    the control-character check does not buffer its body (chunks reach the route as sent)."""
    limits = BodyLimits(default=1024, streamed={("POST", "/upload"): 4 * CHUNK})
    edge = BodyLimitMiddleware(ControlCharacterMiddleware(_echo_size, limits=limits), limits)
    transport = httpx.ASGITransport(app=edge)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        upload = Upload(3 * CHUNK, fill=b"\x00")  # control bytes: an upload parser's business
        accepted = await client.post("/upload", content=upload.stream())
        assert accepted.status_code == 200
        assert accepted.json() == {"size": 3 * CHUNK}
        too_big = Upload(HUGE)
        refused = await client.post("/upload", content=too_big.stream())
        assert refused.status_code == 413
        assert refused.json()["error"]["code"] == "payload_too_large"
        assert too_big.pulled <= 5 * CHUNK
        elsewhere = await client.post("/other", content=b"x" * 1025)
        assert elsewhere.status_code == 413
