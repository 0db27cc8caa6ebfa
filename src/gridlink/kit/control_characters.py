"""No control characters in any string a request carries, checked once at the edge.

PostgreSQL cannot store U+0000 in text (asyncpg raised, the request ended in a 500) and no
field of this API has a use for any other control character either, so every request is
checked before routing: the path, each query name and value, each header value, and the
strings (keys and values) of a JSON or form body. A request holding one is answered
``422 invalid_request`` naming where it was (``fields``) and which character (``U+0000``),
never echoing the value.

The rule: Unicode category Cc is refused everywhere — C0 (U+0000 to U+001F, tab and line breaks
included), DEL (U+007F) and C1 (U+0080 to U+009F). No field is free text that needs a line break:
ids, names, URLs, search terms, passwords and codes are one line. Header values are checked as
the bytes they arrive as, where HTTP itself allows a tab and bytes from 0x80 are other
characters' UTF-8, so there only C0 less tab, and DEL, are refused.

Bodies of routes with their own streamed limit (``BodyLimits.streamed``) are not buffered here;
their parser checks what it reads.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

import orjson
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gridlink.errors import InvalidRequest, render_error
from gridlink.kit.body_limit import BodyLimits

CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")
HEADER_CONTROL = re.compile(rb"[\x00-\x08\x0a-\x1f\x7f]")
_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def _first_control(value: str) -> str | None:
    found = CONTROL.search(value)
    return found.group() if found else None


def _strings(value: Any, where: str) -> Iterator[tuple[str, str]]:
    """(where, text) for every key and string value of a parsed JSON document."""
    if isinstance(value, str):
        yield where, value
    elif isinstance(value, dict):
        for key, item in value.items():
            yield where or "body", str(key)  # a bad key is named by where it is, not echoed
            yield from _strings(item, f"{where}.{key}" if where else str(key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _strings(item, f"{where}.{index}" if where else str(index))


def _media_type(scope: Scope) -> str | None:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            text: str = value.decode("latin-1")
            return text.split(";")[0].strip().lower()
    return None


def _body_strings(media_type: str | None, body: bytes) -> Iterator[tuple[str, str]]:
    if media_type is None or media_type == "application/json" or media_type.endswith("+json"):
        try:
            document = orjson.loads(body) if body else None
        except orjson.JSONDecodeError:
            return  # not JSON: the route says so in its own words
        yield from _strings(document, "")
    elif media_type == "application/x-www-form-urlencoded":
        text = body.decode("latin-1")
        for name, value in parse_qsl(text, keep_blank_values=True):
            yield name, name
            yield name, value


def _url_strings(scope: Scope) -> Iterator[tuple[str, str]]:
    yield "path", scope["path"]
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        yield name, name
        yield name, value


def _refusal(where: str, char: str) -> InvalidRequest:
    return InvalidRequest(
        f"The request is invalid: {where} contains the control character U+{ord(char):04X}. "
        "Remove control characters (such as NUL, tab or line breaks) from every value.",
        fields=[where],
    )


def find_control_character(scope: Scope, body: bytes | None) -> InvalidRequest | None:
    """The refusal for the first control character in the request, or None."""
    for where, text in _url_strings(scope):
        char = _first_control(text)
        if char is not None:
            return _refusal(where, char)
    for name, value in scope.get("headers", []):
        found = HEADER_CONTROL.search(value)
        if found is not None:
            header = name.decode("latin-1").title()
            return _refusal(header, found.group().decode("latin-1"))
    if body is not None:
        for where, text in _body_strings(_media_type(scope), body):
            char = _first_control(text)
            if char is not None:
                return _refusal(where or "body", char)
    return None


class ControlCharacterMiddleware:
    def __init__(self, app: ASGIApp, limits: BodyLimits) -> None:
        self.app = app
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        method, path = scope["method"], scope["path"]
        body: bytes | None = None
        replay: list[Message] = []
        if method in _BODY_METHODS and not self.limits.is_streamed(method, path):
            # Bounded: BodyLimitMiddleware, outside this one, stops a body over the limit.
            body, replay = await _read_body(receive)
        refusal = find_control_character(scope, body)
        if refusal is not None:
            await render_error(refusal)(scope, receive, send)
            return
        if not replay:
            await self.app(scope, receive, send)
            return

        async def replaying_receive() -> Message:
            return replay.pop(0) if replay else await receive()

        await self.app(scope, replaying_receive, send)


async def _read_body(receive: Receive) -> tuple[bytes | None, list[Message]]:
    """The whole body and the messages that carried it (to hand to the app unchanged)."""
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return None, messages  # the client went away: nothing to check
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return b"".join(chunks), [{"type": "http.request", "body": b"".join(chunks)}]
