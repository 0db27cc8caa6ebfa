"""PostgreSQL text cannot hold NUL characters: such input is a 422, never a 500."""

from __future__ import annotations

import base64

import httpx
import pytest
from fastapi import FastAPI

from tests.factories import assert_error, make_client

CURSOR_WITH_NUL = base64.urlsafe_b64encode(b"evt_\x00").decode().rstrip("=")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", "/v1/events?client_user_id=a%00b", None),
        ("GET", "/v1/events?utility_credential_id=a%00b", None),
        ("GET", f"/v1/events?cursor={CURSOR_WITH_NUL}", None),
        ("GET", "/v1/events/evt_%00", None),
        ("POST", "/v1/events/evt_1/redeliver", {"webhook_endpoint_id": "whe_\x00"}),
        ("GET", "/v1/webhook_endpoints/whe_%00", None),
        ("POST", "/v1/webhook_endpoints", {"url": "http://localhost/a\x00b"}),
        ("POST", "/v1/webhook_endpoints", {"url": "http://localhost/", "description": "\x00"}),
        ("DELETE", "/v1/users/a%00b", None),
        ("POST", "/v1/auth/connect_token", {"client_user_id": "a\x00b"}),
    ],
)
async def test_nul_characters_are_invalid_input(
    app: FastAPI, api: httpx.AsyncClient, method: str, path: str, body: object
) -> None:
    client = await make_client(app)
    response = await api.request(method, path, json=body, auth=client.auth)
    assert_error(response, 422, "invalid_request")
