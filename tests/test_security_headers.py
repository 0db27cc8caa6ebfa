"""Security headers on every response (issue 11, items 6 and 10; security.md controls 31, 33).

- Every operation of the OpenAPI document, sent for real: `nosniff`, `Referrer-Policy:
  no-referrer`; `Cache-Control: no-store` on the APIs (tokens, codes and webhook secrets travel
  there: RFC 6749 §5.1); never framed outside /connect. The operations that hand out a token or
  a secret are checked on their successful answer, the one carrying it.
- Snapshots of the pages: /docs, /redoc, /openapi.json, the demo, the Connect pages (whose
  `Cross-Origin-Opener-Policy` is `same-origin-allow-popups`), an unknown route, a 500.
- A 405 names every method the path serves in `Allow`.
"""

from __future__ import annotations

import base64

import httpx
import pytest
from fastapi import FastAPI

from tests.attempts.flows import connect_token, open_session
from tests.factories import assert_error, make_client
from tests.openapi_calls import Call, Caller, every_call

CALLS = every_call()
# Operations whose success carries a token, a code or a secret; each must succeed below.
CARRY_SECRETS = {
    "POST /v1/auth/token",
    "POST /v1/auth/connect_token",
    "POST /v1/widget_url",
    "POST /v1/webhook_endpoints",
    "POST /v1/webhook_endpoints/{endpoint_id}/rotate_secret",
    "POST /connect/api/sessions",
    "POST /connect/api/frames",
}
# Not security headers: what varies per request, and the transport's own (compression, ADR 0013).
VOLATILE = {"date", "x-request-id", "content-length", "content-type", "server", "etag"}
VOLATILE |= {"content-encoding", "vary"}


def _security_headers(response: httpx.Response) -> dict[str, str]:
    return {k: v for k, v in response.headers.items() if k not in VOLATILE}


def assert_everywhere(response: httpx.Response, path: str) -> None:
    where = f"{response.request.method} {path} ({response.status_code})"
    assert response.headers["x-content-type-options"] == "nosniff", where
    assert response.headers["referrer-policy"] == "no-referrer", where
    if path.startswith(("/v1/", "/connect/")):
        assert response.headers["cache-control"] == "no-store", where
    if not path.startswith("/connect"):
        assert response.headers["x-frame-options"] == "DENY", where
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"], where


async def _caller(app: FastAPI, api: httpx.AsyncClient) -> tuple[Caller, dict[str, Call]]:
    client = await make_client(app)
    token = await connect_token(api, client, client_user_id="user-1")
    widget = await open_session(api, token)
    basic = base64.b64encode(f"{client.id}:{client.secret}".encode()).decode()
    caller = Caller(api, f"Basic {basic}", f"Bearer {widget.bearer}")
    calls = {call.label: call for call in CALLS}
    # Make the secret-carrying calls succeed: a real connect token, a webhook endpoint of ours.
    fresh = await connect_token(api, client, client_user_id="user-2")
    calls["POST /connect/api/sessions"] = Call(
        "POST", "/connect/api/sessions", json={"connect_token": fresh}, has_body=True
    )
    framed = await connect_token(api, client, client_user_id="user-3")
    calls["POST /connect/api/frames"] = Call(
        "POST",
        "/connect/api/frames",
        headers={"Origin": "https://app.acme.example"},
        json={"connect_token": framed},
        has_body=True,
    )
    calls["POST /v1/auth/token"] = Call(
        "POST", "/v1/auth/token", json={"grant_type": "client_credentials"}, has_body=True
    )
    hook = calls["POST /v1/webhook_endpoints"]
    hook = Call(
        hook.method,
        hook.path,
        headers=hook.headers,
        has_body=True,
        json={**hook.json, "url": "http://127.0.0.1:9/hook"},
    )  # sandbox: loopback is fine
    calls[hook.label] = hook
    created = await caller.send(hook)
    assert created.status_code in (200, 201), created.text
    endpoint = {"endpoint_id": created.json()["id"]}
    rotate = calls["POST /v1/webhook_endpoints/{endpoint_id}/rotate_secret"]
    calls[rotate.label] = Call(rotate.method, rotate.path, endpoint, headers=rotate.headers)
    return caller, calls


async def test_every_operation_answers_with_the_security_headers(
    app: FastAPI, api: httpx.AsyncClient
) -> None:
    caller, calls = await _caller(app, api)
    assert len(calls) >= 50
    for label, call in calls.items():
        if label == "GET /connect/api/attempts/{attempt_id}":
            call = Call(call.method, call.path, call.path_params, {"wait": "0"})
        if label == "POST /v1/sandbox/utility_credentials":  # would wait for the worker
            call = Call(call.method, call.path, json={}, has_body=True)
        response = await caller.send(call)
        assert_everywhere(response, call.path)
        if label in CARRY_SECRETS:
            assert 200 <= response.status_code < 300, (label, response.text)
            assert response.headers["cache-control"] == "no-store", label


async def test_the_token_answer_is_not_stored(app: FastAPI, api: httpx.AsyncClient) -> None:
    """RFC 6749 §5.1, on the answer that carries the access token."""
    client = await make_client(app)
    response = await api.post(
        "/v1/auth/token", data={"grant_type": "client_credentials"}, auth=client.auth
    )
    assert response.status_code == 200
    assert response.json()["access_token"].startswith("glat_")
    assert response.headers["cache-control"] == "no-store"


PAGE_HEADERS = {
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "x-frame-options": "DENY",
}


@pytest.mark.parametrize("path", ["/docs", "/redoc", "/openapi.json", "/healthz", "/nope"])
async def test_pages_outside_connect_are_never_framed(api: httpx.AsyncClient, path: str) -> None:
    response = await api.get(path)
    assert _security_headers(response) == {
        **PAGE_HEADERS,
        "content-security-policy": "frame-ancestors 'none'",
    }


async def test_the_demo_page_keeps_its_own_policy_and_is_never_framed(
    api: httpx.AsyncClient,
) -> None:
    response = await api.get("/demo")
    assert response.status_code == 200
    headers = _security_headers(response)
    assert {k: headers[k] for k in PAGE_HEADERS} == PAGE_HEADERS
    policy = headers["content-security-policy"]
    assert policy.count("frame-ancestors") == 1
    assert policy.endswith("frame-ancestors 'none'")
    assert "script-src 'self'" in policy  # its own, kept


async def test_connect_pages_are_framed_by_their_client_and_open_no_one(
    api: httpx.AsyncClient,
) -> None:
    """COOP `same-origin-allow-popups`: browsers apply it to top-level pages only, so the
    framed page still talks to its host; a connect link opened top-level keeps no opener, but
    keeps its handle on the utility's authorization popup it opens (Green Button Connect).
    No X-Frame-Options: the page's `frame-ancestors` names who may frame it
    (tests/connect/test_headers.py)."""
    for path in ("/connect/frame", "/connect/link"):
        response = await api.get(path)
        headers = _security_headers(response)
        assert headers["cross-origin-opener-policy"] == "same-origin-allow-popups", path
        assert headers["cache-control"] == "no-store", path
        assert headers["x-content-type-options"] == "nosniff", path
        assert headers["referrer-policy"] == "no-referrer", path
        assert "x-frame-options" not in headers, path


async def test_an_unexpected_error_carries_the_headers_too(app: FastAPI) -> None:
    """Starlette sends the 500 from outside every middleware; the handler adds them."""

    async def crash() -> None:
        raise RuntimeError("boom")

    app.add_api_route("/v1/test-crash", crash)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        response = await client.get("/v1/test-crash")
    assert_error(response, 500, "internal")
    assert_everywhere(response, "/v1/test-crash")


async def test_a_405_names_every_method_of_the_path(app: FastAPI, api: httpx.AsyncClient) -> None:
    """/v1/users/{id} is served by two routes (GET, DELETE); Starlette named only the first."""
    client = await make_client(app)
    for path, allowed in [
        ("/v1/users/usr_1", "DELETE, GET"),
        ("/v1/webhook_endpoints/whe_1", "DELETE, GET, PATCH"),
        ("/v1/sandbox/clock", "GET, POST"),
    ]:
        response = await api.put(path, auth=client.auth)
        assert_error(response, 405, "invalid_request")
        assert response.headers["allow"] == allowed, path
