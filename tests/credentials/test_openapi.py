"""The new endpoints document themselves: summaries, examples, error statuses; POSTs are
retry-safe."""

from __future__ import annotations

from typing import Any

import pytest
from fastapi.routing import APIRoute

from gridlink import Settings, create_app
from gridlink.idempotency.dependencies import is_idempotent_dependency

APP = create_app(Settings())
DOCUMENT = APP.openapi()
SCHEMAS = DOCUMENT["components"]["schemas"]

OPERATIONS = [
    ("get", "/v1/utility_credentials"),
    ("get", "/v1/utility_credentials/{utility_credential_id}"),
    ("delete", "/v1/utility_credentials/{utility_credential_id}"),
    ("post", "/v1/utility_credentials/{utility_credential_id}/connect_link"),
    ("get", "/v1/utility_credentials/{utility_credential_id}/connect_links"),
    ("delete", "/v1/connect_links/{connect_link_id}"),
    ("get", "/v1/sandbox/clock"),
    ("post", "/v1/sandbox/clock"),
    ("post", "/v1/auth/exchange"),
]


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        schema = SCHEMAS[schema["$ref"].rsplit("/", 1)[1]]
    return schema


def _has_examples(schema: dict[str, Any]) -> bool:
    schema = _resolve(schema)
    if schema.get("examples"):
        return True
    items = schema.get("properties", {}).get("data", {}).get("items")  # a page of items
    return items is not None and _has_examples(items)


@pytest.mark.parametrize(("method", "path"), OPERATIONS)
def test_operation_is_documented(method: str, path: str) -> None:
    operation = DOCUMENT["paths"][path][method]
    assert operation["summary"]
    assert operation["description"]
    responses = operation["responses"]
    assert "401" in responses
    success = next(code for code in responses if code.startswith("2"))
    content = responses[success].get("content", {}).get("application/json")
    if success != "204":
        assert _has_examples(content["schema"]), f"{method} {path}: no response example"
    body = operation.get("requestBody")
    if body is not None:
        assert _has_examples(body["content"]["application/json"]["schema"])
    for parameter in operation.get("parameters", []):
        if parameter["in"] == "path":
            assert parameter["schema"].get("examples"), f"{path}: no example for the id"
    for status in responses:
        if status[0] in "45":
            assert responses[status]["content"]["application/json"]["schema"] == {
                "$ref": "#/components/schemas/ErrorResponse"
            }


def test_exchange_documents_invalid_grant() -> None:
    assert "400" in DOCUMENT["paths"]["/v1/auth/exchange"]["post"]["responses"]


def test_every_v1_post_is_retry_safe() -> None:
    """Every POST under /v1 declares the Idempotency-Key dependency (house rule)."""
    missing = [
        route.path
        for route in APP.routes
        if isinstance(route, APIRoute)
        and "POST" in route.methods
        and route.path.startswith("/v1/")
        and not any(is_idempotent_dependency(d.dependency) for d in route.dependencies)
    ]
    assert missing == []
