"""Schemathesis, every check, against the app's /openapi.json, in-process, on SQLite and PostgreSQL.

Every operation gets Schemathesis's examples, coverage and fuzzing phases (valid and invalid
requests) with **all** its checks: no 5xx; documented status codes, content types, headers and
bodies; schema-valid requests accepted and invalid ones rejected (the document is exact);
authentication enforced (without credentials and with wrong ones: 401); the methods a path does
not serve answered 405 with an exact ``Allow``; missing required headers refused. The widget API
(/connect/api) runs with a real Connect session (a connect token for a sandbox user, traded for
a session, consent given), the client API (/v1) as a sandbox client with one end user.

How the pieces fit:
- The schema is the document the app serves at /openapi.json (built from an app that is never
  started; `test_schema_is_what_the_app_serves` keeps the two identical).
- `@schema.parametrize()` makes one test per operation; the `served` fixture runs each over both
  databases. Generation is deterministic (the same cases every run) and bounded by
  ``MAX_EXAMPLES``: the whole file takes about a minute per database on two cores.
- The app and its database pools live on the pytest-asyncio event loop, idle while this
  synchronous test runs. Schemathesis talks to a small WSGI callable (`_AppBridge`) that runs
  each request on that loop through httpx's ASGI transport; the checks that re-send a request
  (without credentials, with another method) reach the same app that way. Schemathesis's own
  ASGI client is not used: it would start a second lifespan of the app on a loop of its own.
- Credentials come from an auth provider, so Schemathesis knows them for what they are (explicit,
  valid) and can try the operation without them.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator, Iterable
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import schemathesis
from fastapi import FastAPI
from hypothesis import HealthCheck, settings
from schemathesis.checks import CHECKS as REGISTERED_CHECKS
from schemathesis.checks import CheckContext, load_all_checks
from schemathesis.core.transport import Response
from schemathesis.openapi.checks import RejectedPositiveData
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from gridlink import Settings, create_app
from tests.attempts.flows import connect_token, open_session
from tests.factories import TestClient, assert_error, make_client

load_all_checks()

# Schema-valid requests that the API may still refuse, because the answer depends on state the
# document cannot know (which origins and redirect URIs a client registered, which utilities it
# may see, where its sandbox clock stands, what the outbound guard allows, whether an event a
# cursor points at is still kept, whether a code was issued, whether an Idempotency-Key was used
# before) or on a rule across two fields that JSON Schema cannot state (an interval's end after
# its start; it is in the parameters' descriptions). Each entry names the operation, the status
# and code, and the fields the refusal must name: any other refusal of a schema-valid request
# still fails.
REUSED_KEY = (422, "invalid_request", ("Idempotency-Key",))  # as the IETF draft asks: 422
STATE_DEPENDENT: dict[str, set[tuple[int, str, tuple[str, ...]]]] = {
    # Whether bytes are a Green Button file is not a JSON Schema matter: the reader decides.
    "POST /v1/utility_credentials/files": {
        (422, "invalid_file", ()),
        (422, "invalid_request", ("utility_id",)),
        (422, "invalid_request", ("client_user_id",)),
        # The test transport leaves out a file part with no bytes.
        (422, "invalid_request", ("file",)),
    },
    "GET /v1/utility_intervals": {(422, "invalid_request", ("start", "end"))},
    # Custodians are registered by the operator, and a BatchList is XML the route reads itself.
    "POST /green_button/notifications/{custodian_id}": {
        (404, "not_found", ()),
        (422, "invalid_request", ()),
    },
    "POST /v1/auth/exchange": {(400, "invalid_grant", ())},  # RFC 6749 §5.2: an unusable code
    "POST /v1/auth/connect_token": {
        (422, "invalid_request", ("redirect_uri",)),
        (422, "invalid_request", ("utility_id",)),
    },
    "POST /v1/widget_url": {
        (422, "invalid_request", ("target_origin",)),
        (422, "invalid_request", ("redirect_uri",)),
        (422, "invalid_request", ("utility_id",)),
    },
    "POST /v1/utility_credentials/{utility_credential_id}/connect_link": {
        (422, "invalid_request", ("redirect_uri",)),
    },
    "POST /v1/webhook_endpoints": {(422, "invalid_request", ("url",))},
    "PATCH /v1/webhook_endpoints/{endpoint_id}": {(422, "invalid_request", ("url",))},
    "POST /v1/sandbox/clock": {
        (422, "invalid_request", ("advance_seconds",)),
        (422, "invalid_request", ("now",)),
    },
    "GET /v1/events": {(422, "invalid_request", ("cursor",))},
    "POST /connect/api/session/utility": {(422, "invalid_request", ("utility_id",))},
}


def _refused_for_state(case: schemathesis.Case, response: Response) -> bool:
    allowed = STATE_DEPENDENT.get(f"{case.operation.method.upper()} {case.operation.path}", set())
    if any(p.name == "Idempotency-Key" for p in case.operation.headers):
        allowed = allowed | {REUSED_KEY}
    try:
        error = response.json()["error"]
    except (ValueError, KeyError, TypeError):
        return False
    refusal = (response.status_code, error.get("code"), tuple(error.get("fields") or ()))
    return refusal in allowed


def positive_data_acceptance_but_state(
    ctx: CheckContext, response: Response, case: schemathesis.Case
) -> bool | None:
    """Schemathesis's positive_data_acceptance, less the refusals listed in STATE_DEPENDENT."""
    try:
        return positive_data_acceptance(ctx, response, case)
    except RejectedPositiveData:
        if _refused_for_state(case, response):
            return True
        raise


def _sent_as_repr(value: object) -> bool:
    return isinstance(value, dict) or (
        isinstance(value, list) and any(isinstance(v, dict | list) for v in value)
    )


def negative_data_rejection_as_sent(
    ctx: CheckContext, response: Response, case: schemathesis.Case
) -> bool | None:
    """Schemathesis's negative_data_rejection, less the cases its WSGI transport cannot send: an
    object in a query parameter reaches the app as its Python repr (werkzeug's test client
    writes ``{'a': []}`` as one string), a schema-valid string the app rightly accepts. Lists of
    strings are sent faithfully, as the parameter repeated (refused by the data API)."""
    if any(_sent_as_repr(value) for value in (case.query or {}).values()):
        return None
    return negative_data_rejection(ctx, response, case)


# Every check Schemathesis has (as `--checks all`), positive_data_acceptance and
# negative_data_rejection as above.
_OURS = {
    positive_data_acceptance: positive_data_acceptance_but_state,
    negative_data_rejection: negative_data_rejection_as_sent,
}
CHECKS = [_OURS.get(check, check) for check in REGISTERED_CHECKS.get_all()]
MAX_EXAMPLES = 15  # fuzzing examples per operation and database, on top of examples and coverage
CONFIG = schemathesis.Config.from_dict(
    {
        "generation": {
            "mode": "all",  # valid and invalid requests
            "max-examples": MAX_EXAMPLES,
            "deterministic": True,  # same cases on every run
            "no-shrink": True,  # the app's state moves on between calls; report the case found
        },
    }
)
DOCUMENT = create_app(Settings()).openapi()
# The documented example id: a user by that id exists, so GET and DELETE can also find one.
EXAMPLE_USER_ID = DOCUMENT["paths"]["/v1/users/{client_user_id}"]["get"]["parameters"][0]["schema"][
    "examples"
][0]

# The sandbox shortcut waits for the sign-in it starts, which the background worker (not running
# here) performs; tests/attempts/test_shortcut.py drives it with the worker running.
WAITS_FOR_THE_WORKER = ("/v1/sandbox/utility_credentials",)


class _AppBridge:
    """A WSGI callable that hands each request to the app on its event loop."""

    def __init__(self) -> None:
        self.target: tuple[httpx.AsyncClient, asyncio.AbstractEventLoop] | None = None

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        assert self.target is not None, "no app is being served (use the `served` fixture)"
        api, loop = self.target
        length = int(environ.get("CONTENT_LENGTH") or 0)
        body = environ["wsgi.input"].read(length) if length else b""
        headers = [
            (key[5:].replace("_", "-").lower(), value.encode("latin-1"))
            for key, value in environ.items()
            if key.startswith("HTTP_")
        ]
        if environ.get("CONTENT_TYPE"):
            headers.append(("content-type", environ["CONTENT_TYPE"].encode("latin-1")))
        path = (environ.get("RAW_URI") or quote(environ["PATH_INFO"])).split("?", 1)[0]
        query = environ.get("QUERY_STRING")
        url = f"{path}?{query}" if query else path
        request = api.build_request(environ["REQUEST_METHOD"], url, headers=headers, content=body)
        status, reason, answer_headers, raw = loop.run_until_complete(_send(api, request))
        start_response(f"{status} {reason}", answer_headers)
        return [raw]


async def _send(
    api: httpx.AsyncClient, request: httpx.Request
) -> tuple[int, str, list[tuple[str, str]], bytes]:
    """The answer as a client reading it off a socket sees it: status, headers, body. Schemathesis
    asks for gzip (the requests default) but its WSGI transport does not decode it, so the bridge
    does, as requests would (compressed GET answers, ADR 0013; tests/test_compression.py checks
    the encoding itself)."""
    response = await api.send(request, stream=True)
    try:
        body = b"".join([chunk async for chunk in response.aiter_bytes()])
    finally:
        await response.aclose()
    decoded = (
        {"content-encoding", "content-length"} if "content-encoding" in response.headers else set()
    )
    headers = [(k, v) for k, v in response.headers.multi_items() if k.lower() not in decoded]
    if decoded:
        headers.append(("content-length", str(len(body))))
    return response.status_code, response.reason_phrase, headers, body


class _Credentials:
    """Who the test is: the Authorization header for /v1 and for /connect/api."""

    client: str | None = None
    session: str | None = None
    sandbox: TestClient | None = None  # the client itself, for tests that add rows of its own

    def for_path(self, path: str) -> str | None:
        if path.startswith("/connect/api/"):
            return self.session
        return self.client if path.startswith("/v1/") else None


BRIDGE = _AppBridge()
CREDENTIALS = _Credentials()
schema = schemathesis.openapi.from_dict(DOCUMENT, config=CONFIG).exclude(
    path=list(WAITS_FOR_THE_WORKER)
)
schema.app = BRIDGE


@schema.auth.auth(refresh_interval=None)  # each test has its own client and session
class _Auth:
    def get(self, case: schemathesis.Case, context: Any) -> str | None:
        body = case.body if isinstance(case.body, dict) else {}
        if case.operation.path == "/v1/auth/token" and {"client_id", "client_secret"} & set(body):
            return None  # credentials in the body instead: the documented alternative to Basic
        return CREDENTIALS.for_path(case.operation.path)

    def set(self, case: schemathesis.Case, data: str, context: Any) -> None:
        case.headers = {**(case.headers or {}), "Authorization": data}


@pytest.fixture
async def served(app: FastAPI, api: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """The app, reachable through the bridge, with a sandbox client that has one user and a
    Connect session that has consented (so the widget API's operations are authorised)."""
    client = await make_client(app)
    token = await connect_token(api, client, client_user_id=EXAMPLE_USER_ID)
    widget = await open_session(api, token)
    basic = base64.b64encode(f"{client.id}:{client.secret}".encode()).decode()
    BRIDGE.target = (api, asyncio.get_running_loop())
    CREDENTIALS.client, CREDENTIALS.session = f"Basic {basic}", f"Bearer {widget.bearer}"
    CREDENTIALS.sandbox = client
    yield api
    BRIDGE.target = None
    CREDENTIALS.client = CREDENTIALS.session = None
    CREDENTIALS.sandbox = None


@schema.parametrize()
@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])  # one app per operation
def test_operation_conforms_to_its_schema(
    case: schemathesis.Case, served: httpx.AsyncClient
) -> None:
    case.call_and_validate(checks=CHECKS)


def test_every_check_runs() -> None:
    names = {check.__name__ for check in CHECKS}
    assert {"positive_data_acceptance_but_state", "ignored_auth", "allow_header_conformance"} <= (
        names
    )
    assert len(names) == len(REGISTERED_CHECKS.get_all()) >= 14
    listed = {label.split(" ", 1)[1] for label in STATE_DEPENDENT}
    assert listed <= set(DOCUMENT["paths"]), "STATE_DEPENDENT names an operation that is gone"


async def test_schema_is_what_the_app_serves(api: httpx.AsyncClient) -> None:
    served = await api.get("/openapi.json")
    assert served.status_code == 200
    assert served.json() == DOCUMENT


def test_the_bridge_reports_what_the_app_answered(served: httpx.AsyncClient) -> None:
    """Guards the harness: what the app answers must reach the checks unchanged."""
    from werkzeug import Client

    http = Client(BRIDGE)
    authorization = {"Authorization": CREDENTIALS.client or ""}
    found = http.get(f"/v1/users/{EXAMPLE_USER_ID}", headers=authorization)
    assert found.status_code == 200, found.text
    assert found.json["client_user_id"] == EXAMPLE_USER_ID
    session = http.get("/connect/api/session", headers={"Authorization": CREDENTIALS.session or ""})
    assert session.status_code == 200, session.text
    assert session.json["step"] == "utility"
    query = http.get("/v1/users", query_string={"limit": "0"}, headers=authorization)
    assert query.status_code == 422, query.text  # the query string reaches the app
    assert query.json["error"]["fields"] == ["limit"]
    refused = http.get("/v1/users", headers={"Authorization": "Basic Y2xpX3g6eQ=="})
    assert refused.status_code == 401
    assert refused.headers["content-type"] == "application/json"
    assert refused.json["error"]["code"] == "unauthorized"


# Bugs Schemathesis found, pinned as plain tests: random generation may not draw them again.


async def test_a_body_that_is_not_utf8_is_a_documented_422(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    """FastAPI answered such bodies with an undocumented 400 outside the error tree."""
    client = await make_client(app)
    response = await api.post(
        "/v1/auth/connect_token",
        content=b"\xc3c\xa3",
        headers={"content-type": "application/json"},
        auth=client.auth,
    )
    error = assert_error(response, 422, "invalid_request")
    assert error["fields"] == ["body"]
    assert "422" in DOCUMENT["paths"]["/v1/auth/connect_token"]["post"]["responses"]


async def test_a_user_id_with_a_slash_can_be_read_and_deleted(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    """Ids are opaque: the users routes once missed ids holding a line break ("No such
    endpoint"), so such a user could be created but never read or deleted. Line breaks are
    control characters, refused everywhere now (tests/test_control_characters.py); a slash and
    a space are still an id's own business."""
    client = await make_client(app)
    user_id = "slash/and space"
    created = await api.post(
        "/v1/auth/connect_token", json={"client_user_id": user_id}, auth=client.auth
    )
    assert created.status_code == 200, created.text
    url = "/v1/users/" + quote(user_id, safe="/")
    found = await api.get(url, auth=client.auth)
    assert found.status_code == 200, found.text
    assert found.json()["client_user_id"] == user_id
    assert (await api.delete(url, auth=client.auth)).status_code == 204
    assert_error(await api.get(url, auth=client.auth), 404, "not_found")
    refused = await api.post(
        "/v1/auth/connect_token", json={"client_user_id": "line\nbreak"}, auth=client.auth
    )
    assert assert_error(refused, 422, "invalid_request")["fields"] == ["client_user_id"]
