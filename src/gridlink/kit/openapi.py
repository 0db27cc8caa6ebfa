"""OpenAPI helpers: the error envelope, documented once and referenced by every endpoint."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI
from pydantic import BaseModel, ConfigDict, Field
from pydantic.config import JsonValue


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable, machine-readable error code.")
    message: str = Field(description="What went wrong and how to fix it.")
    request_id: str | None = Field(description="Quote this when asking for help.")
    fields: list[str] | None = Field(default=None, description="Request fields the error is about.")


class ErrorResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "error": {
                        "code": "invalid_request",
                        "message": "Pass exactly one of client_user_id or utility_credential_id.",
                        "request_id": "req_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                        "fields": ["client_user_id", "utility_credential_id"],
                    }
                }
            ]
        }
    )

    error: ErrorDetail


_DESCRIPTIONS = {
    400: "The grant or code is not valid (invalid_grant).",
    401: "Missing or invalid credentials (unauthorized) or connect token (token_invalid).",
    403: "Not allowed for this client (forbidden).",
    404: "No such resource for this client (not_found).",
    409: "Conflicts with the current state (conflict).",
    413: "The body is over the server's size limit (payload_too_large); it was not read.",
    422: "The request is invalid (invalid_request); `fields` names the culprits.",
    429: "Too many attempts (rate_limited); see Retry-After.",
    503: "Data not available yet (data_unavailable); see Retry-After.",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {"model": ErrorResponse, "description": _DESCRIPTIONS[status]}
        for status in statuses
    }


def links(status: int, **targets: tuple[str, dict[str, str]]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI links on the ``status`` answer: which operation it feeds, and with what. Each
    target is ``("GET /v1/users/{client_user_id}", {"client_user_id": "$request.body#/..."})``:
    the operation by method and full path, its parameters as runtime expressions. Readers see
    where an id goes next, and so can a tool that chains calls (Schemathesis's stateful phase);
    tests/test_openapi.py checks every link leads somewhere with values its answer has."""
    return {status: {"links": {name: _link(*target) for name, target in targets.items()}}}


def _link(operation: str, parameters: dict[str, str]) -> dict[str, Any]:
    method, path = operation.split(" ", 1)
    pointer = path.replace("~", "~0").replace("/", "~1")  # RFC 6901
    return {"operationRef": f"#/paths/{pointer}/{method.lower()}", "parameters": parameters}


# What a string anywhere in a request may hold: no control character (kit/control_characters.py
# refuses them at the edge, before validation; the document says so, so it stays exact).
NO_CONTROL_CHARACTERS = "^[^\\u0000-\\u001F\\u007F-\\u009F]*$"
# The ad-hoc "no NUL" patterns some routes declare; the edge rule above covers and replaces them.
_NO_NUL_PATTERNS = frozenset({r"^[^\x00]*$"})
ANY_JSON = "JsonWithoutControlCharacters"
_EDGE_RESPONSES = {413: _DESCRIPTIONS[413], 422: _DESCRIPTIONS[422]}


def _resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/components/schemas/"):
        resolved: dict[str, Any] = document["components"]["schemas"][ref.rsplit("/", 1)[-1]]
        return resolved
    return schema


def _forbid_control_characters(
    document: dict[str, Any], schema: Any, seen: set[int] | None = None
) -> None:
    """Give every string schema reachable from ``schema`` the no-control-character pattern."""
    if not isinstance(schema, dict):
        return
    seen = set() if seen is None else seen
    schema = _resolve(document, schema)
    if id(schema) in seen:
        return
    seen.add(id(schema))
    plain_string = schema.get("type") == "string" and not {"enum", "const", "format"} & set(schema)
    if plain_string and schema.get("pattern") in (None, *_NO_NUL_PATTERNS):
        schema["pattern"] = NO_CONTROL_CHARACTERS
    is_object = schema.get("type") == "object" or "properties" in schema
    if is_object and schema.get("additionalProperties") in (None, True):
        # Unknown members are ignored, but their strings pass the edge too.
        schema["propertyNames"] = {"pattern": NO_CONTROL_CHARACTERS}
        schema["additionalProperties"] = {"$ref": f"#/components/schemas/{ANY_JSON}"}
    for key in ("properties", "patternProperties", "$defs"):
        for inner in (schema.get(key) or {}).values():
            _forbid_control_characters(document, inner, seen)
    for key in ("items", "additionalProperties", "not"):
        _forbid_control_characters(document, schema.get(key), seen)
    for key in ("anyOf", "oneOf", "allOf", "prefixItems"):
        for inner in schema.get(key) or []:
            _forbid_control_characters(document, inner, seen)


def make_exact(document: dict[str, Any]) -> dict[str, Any]:
    """What the edge middlewares enforce for every operation, written into the document: no
    control characters in any request string (422), and a body size limit (413)."""
    document.setdefault("components", {}).setdefault("schemas", {})[ANY_JSON] = {
        "description": "Any JSON value whose strings (and member names) hold no control character.",
        "anyOf": [
            {"type": "string", "pattern": NO_CONTROL_CHARACTERS},
            {"type": ["number", "boolean", "null"]},
            {"type": "array", "items": {"$ref": f"#/components/schemas/{ANY_JSON}"}},
            {
                "type": "object",
                "propertyNames": {"pattern": NO_CONTROL_CHARACTERS},
                "additionalProperties": {"$ref": f"#/components/schemas/{ANY_JSON}"},
            },
        ],
    }
    envelope = {"application/json": {"schema": {"$ref": "#/components/schemas/ErrorResponse"}}}
    for item in document.get("paths", {}).values():
        for operation in item.values():
            for parameter in operation.get("parameters", []):
                _forbid_control_characters(document, parameter.get("schema"))
            body = operation.get("requestBody", {}).get("content", {})
            for media in body.values():
                _forbid_control_characters(document, media.get("schema"))
            responses = operation.setdefault("responses", {})
            for status, description in _EDGE_RESPONSES.items():
                if status == 413 and not body:
                    continue
                responses.setdefault(str(status), {"description": description, "content": envelope})
    return document


def install_exact_openapi(app: FastAPI) -> None:
    """Serve ``make_exact`` of FastAPI's document (built once, as FastAPI does)."""
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            app.openapi_schema = make_exact(build())
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]


def exactly_one_of(*names: str) -> list[JsonValue]:
    """A ``oneOf`` for a body that takes exactly one of ``names`` (the others absent or null):
    put it in the model's ``json_schema_extra`` so the document says what the service checks."""
    one_of: list[JsonValue] = [
        {
            "required": [name],
            "properties": {
                other: {"not": {"type": "null"}} if other == name else {"type": "null"}
                for other in names
            },
        }
        for name in names
    ]
    return one_of
