"""Redaction applies to log output, all of it, and to nothing else (issue 11, item 9; control 26).

- Every logger goes through it: httpx's request lines, uvicorn's access lines, SQLAlchemy's,
  a library's logger with a handler of its own, even one attached after start-up.
- URLs in logs lose their user info and query string (webhook URLs carry API keys there).
- ``status_code=`` in a SQL log line is not a ``code=``.
- A response is never redacted: the caller gets the message as written.
"""

from __future__ import annotations

import io
import json
import logging
from collections.abc import Iterator

import httpx
import pytest
from fastapi import FastAPI

from gridlink.errors import InvalidRequest, render_error
from gridlink.kit.logging import configure_logging, crash_trace
from gridlink.kit.redaction import REDACTED, redact_text
from tests.factories import make_client

CANARY = "canary-9f2c41d7e8"


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    root = logging.getLogger()
    saved = (list(root.handlers), root.level, logging.getLogRecordFactory())
    configure_logging("debug", stream)
    yield stream
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    logging.setLogRecordFactory(saved[2])


def _lines(stream: io.StringIO) -> list[dict[str, object]]:
    return [json.loads(line) for line in stream.getvalue().splitlines()]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            f'HTTP Request: POST https://hooks.example/in?api_key={CANARY} "HTTP/1.1 200 OK"',
            f'HTTP Request: POST https://hooks.example/in?{REDACTED} "HTTP/1.1 200 OK"',
        ),
        (f"https://user:{CANARY}@host.example:8443/hook", "https://host.example:8443/hook"),
        (
            f'127.0.0.1:5123 - "GET /v1/users?client_secret={CANARY} HTTP/1.1" 401',
            f'127.0.0.1:5123 - "GET /v1/users?{REDACTED} HTTP/1.1" 401',
        ),
        (f"postgresql://gridlink:{CANARY}@db/gridlink", "postgresql://db/gridlink"),
        (
            "UPDATE deliveries SET status_code=200 WHERE id=1",
            "UPDATE deliveries SET status_code=200 WHERE id=1",
        ),
        (f"code={CANARY}&state=x", f"{REDACTED}&state=x"),
        (  # how Authlib's server logs a token it issues
            f"Issue token {{'access_token': '{CANARY}', 'expires_in': 3600, "
            f"'refresh_token': '{CANARY}'}} to <Client>",
            f"Issue token {{'access_token': '{REDACTED}', 'expires_in': 3600, "
            f"'refresh_token': '{REDACTED}'}} to <Client>",
        ),
        (
            f'{{"code_verifier": "{CANARY}", "status_code": 200, "token_type": "Bearer"}}',
            f'{{"code_verifier": "{REDACTED}", "status_code": 200, "token_type": "Bearer"}}',
        ),
        ("Send the secret in the body, or as HTTP Basic authentication.", None),
        ("see /docs for the API reference; ratio 1/2?", None),
    ],
)
def test_what_redaction_changes(text: str, expected: str | None) -> None:
    assert redact_text(text) == (text if expected is None else expected)


def test_every_logger_is_redacted_even_with_its_own_handler(log_output: io.StringIO) -> None:
    url = f"https://hooks.example/in?api_key={CANARY}"
    logging.getLogger("httpx").info('HTTP Request: %s %s "%s"', "POST", url, "HTTP/1.1 200 OK")
    logging.getLogger("uvicorn.access").info(
        '%s - "%s %s HTTP/%s" %d', "127.0.0.1:1", "GET", f"/v1/x?token={CANARY}", "1.1", 200
    )
    logging.getLogger("sqlalchemy.engine.Engine").warning("UPDATE t SET status_code=%s", 503)
    # A library that writes to a handler of its own, attached after logging was configured.
    own = io.StringIO()
    library = logging.getLogger("some_library")
    library.addHandler(logging.StreamHandler(own))
    library.propagate = False
    try:
        library.warning("calling %s", url)
        try:
            raise ValueError(f"refused {url}")
        except ValueError:
            library.exception("failed")
    finally:
        library.handlers.clear()
        library.propagate = True
    output = log_output.getvalue() + own.getvalue()
    assert CANARY not in output
    assert own.getvalue().startswith(f"calling https://hooks.example/in?{REDACTED}\n")
    assert "ValueError: refused https://hooks.example/in?" in own.getvalue()
    messages = [line["msg"] for line in _lines(log_output)]
    assert messages == [
        f'HTTP Request: POST https://hooks.example/in?{REDACTED} "HTTP/1.1 200 OK"',
        f'127.0.0.1:1 - "GET /v1/x?{REDACTED} HTTP/1.1" 200',
        "UPDATE t SET status_code=503",
    ]


async def test_a_response_message_is_never_redacted(app: FastAPI, api: httpx.AsyncClient) -> None:
    """The token endpoint's own message named "HTTP Basic authentication"; redacting responses
    turned it into "[REDACTED]"."""
    client = await make_client(app)
    response = await api.post(
        "/v1/auth/token", data={"grant_type": "client_credentials", "client_id": client.id}
    )
    assert response.status_code == 401
    message = response.json()["error"]["message"]
    assert message.endswith("or use HTTP Basic authentication.")
    assert REDACTED not in message


def test_error_bodies_are_rendered_as_written() -> None:
    """Whatever a message says reaches the caller unchanged (it is theirs); only logs redact."""
    message = "Use https://app.example/cb?state=1, send code=abc, or HTTP Basic abcdefghijklmnopq."
    body = json.loads(render_error(InvalidRequest(message)).body)
    assert body["error"]["message"] == message


def _failing_lookup(secret: str) -> None:
    try:
        {}[secret]
    except KeyError:
        raise ValueError(f"bad {secret}") from None  # hides the lookup's error


def test_a_crash_trace_names_types_and_places_but_no_message() -> None:
    """``crash_trace`` (for crashes of code that held secrets) keeps what and where of every
    exception in the chain, oldest first, and drops messages and notes."""
    try:
        try:
            _failing_lookup(CANARY)
        except ValueError as error:
            error.add_note(f"note {CANARY}")
            raise InvalidRequest(f"wrapped {CANARY}") from error
    except InvalidRequest as outer:
        trace = crash_trace(outer)
    assert CANARY not in trace
    assert "KeyError" not in trace  # hidden by "from None", as in Python's own traceback
    first, second = trace.split("which led to:")
    assert "in _failing_lookup" in first
    assert "ValueError (message not logged)" in first
    assert "gridlink.errors.InvalidRequest (message not logged)" in second
    assert "in test_a_crash_trace_names_types_and_places_but_no_message" in second
