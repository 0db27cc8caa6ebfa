"""Request bodies have a size limit, enforced before they are read.

A request whose ``Content-Length`` is over its limit is answered ``413 payload_too_large`` at
once: not one byte of its body is read. A body without a length (chunked) is counted as it
streams to the app and refused as soon as it passes the limit, so the app (and the server's
memory) never holds more than the limit plus one chunk. Nothing further is read; the server
closes the connection after the answer.

Every request gets the default limit (``GRIDLINK_MAX_BODY_BYTES``, for JSON). A route that
takes larger streamed uploads (Green Button files) declares its own limit in ``BodyLimits``:
``BodyLimits(default, streamed={("POST", "/v1/utility_credentials/files"): 64 * MiB})``. Such a
route must read ``request.stream()`` itself rather than take the body as one value, and
``kit/control_characters.py`` leaves its body alone (its parser checks what it parses).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gridlink.errors import PayloadTooLarge, render_error

MiB = 1024 * 1024

TOO_LARGE = (
    "The request body is larger than this server accepts ({limit} bytes). Send a smaller body; "
    "the limit is the server's GRIDLINK_MAX_BODY_BYTES setting (GRIDLINK_MAX_UPLOAD_BYTES for "
    "Green Button files)."
)


@dataclass(frozen=True)
class BodyLimits:
    """The hook: which requests may send how much. ``streamed`` maps (method, path) of upload
    routes to their own limit; every other request gets ``default``."""

    default: int = MiB
    streamed: Mapping[tuple[str, str], int] = field(default_factory=dict)

    def for_request(self, method: str, path: str) -> int:
        return self.streamed.get((method, path), self.default)

    def is_streamed(self, method: str, path: str) -> bool:
        return (method, path) in self.streamed


class BodyTooLarge(HTTPException):
    """Raised inside ``receive`` when a streamed body passes its limit. A Starlette
    ``HTTPException``, so FastAPI's body reading lets it through to the error handlers, which
    answer 413 ``payload_too_large``; if nobody handled it, the middleware answers itself."""

    def __init__(self, limit: int) -> None:
        super().__init__(413, TOO_LARGE.format(limit=limit))


def _declared_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None  # malformed: count what arrives instead
    return None


class BodyLimitMiddleware:
    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.limits.for_request(scope["method"], scope["path"])
        declared = _declared_length(scope)
        if declared is not None and declared > limit:
            await _refuse(scope, send, limit)
            return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise BodyTooLarge(limit)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except BodyTooLarge:
            if started:
                raise
            await _refuse(scope, send, limit)


async def _refuse(scope: Scope, send: Send, limit: int) -> None:
    response = render_error(PayloadTooLarge(TOO_LARGE.format(limit=limit)))
    # The unread body stays unread: tell the client this connection is done.
    response.headers["Connection"] = "close"

    async def no_body() -> Message:
        return {"type": "http.disconnect"}

    await response(scope, no_body, send)
