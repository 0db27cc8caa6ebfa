"""The published API description: what integrators read at /docs must be complete and true.

Every operation has a summary, documents its errors with the one error envelope, and shows an
example for its request body and its success response (examples are checked against their
schemas, so a renamed field cannot leave a stale example behind). Every POST route declares the
Idempotency-Key dependency. The document checked here is the one /openapi.json serves
(tests/test_schemathesis.py asserts the two are identical).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import jsonschema_rs  # installed with schemathesis, which validates responses with it
import pytest
from fastapi import Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import iter_route_contexts

from gridlink import Settings, create_app
from gridlink.auth.dependencies import current_client
from gridlink.idempotency.dependencies import idempotent_for, is_idempotent_dependency

APP = create_app(Settings())  # never started: building the document needs no database
DOCUMENT = APP.openapi()
COMPONENTS = DOCUMENT["components"]["schemas"]
ERROR_REF = "#/components/schemas/ErrorResponse"
# /healthz answers whenever the process can answer at all; it has no error of its own to document.
NO_ERRORS = {("GET", "/healthz")}

OPERATIONS = [
    (method.upper(), path, operation)
    for path, items in DOCUMENT["paths"].items()
    for method, operation in items.items()
]
IDS = [f"{method} {path}" for method, path, _ in OPERATIONS]
WITH_BODY = [(m, p, op) for m, p, op in OPERATIONS if "requestBody" in op]


def _schema(schema: dict[str, Any]) -> dict[str, Any]:
    """Follow a component reference."""
    ref = schema.get("$ref")
    if ref is None:
        return schema
    resolved: dict[str, Any] = COMPONENTS[ref.rsplit("/", 1)[-1]]
    return resolved


def _examples(media: dict[str, Any]) -> list[Any]:
    """Examples of a media type, wherever OpenAPI lets them live."""
    if "example" in media:
        return [media["example"]]
    if "examples" in media:
        return [item["value"] for item in media["examples"].values()]
    return list(_schema(media.get("schema", {})).get("examples", []))


def _invalid_examples(media: dict[str, Any]) -> list[str]:
    root = {**media["schema"], "components": DOCUMENT["components"]}
    validator = jsonschema_rs.Draft202012Validator(root, validate_formats=True)
    return [error.message for ex in _examples(media) for error in validator.iter_errors(ex)]


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_every_operation_has_a_summary(method: str, path: str, operation: dict[str, Any]) -> None:
    declared = {
        (m, route.path_format): getattr(route, "summary", None)
        for route in iter_route_contexts(APP.routes)
        for m in route.methods or ()
    }
    # FastAPI invents a summary from the function name when none is given; demand a real one.
    assert declared[(method, path)], f"{method} {path}: give the route a summary="
    assert operation["summary"] == declared[(method, path)]


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_errors_are_documented_with_the_error_envelope(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    errors = {s: r for s, r in operation["responses"].items() if s.startswith(("4", "5"))}
    if (method, path) not in NO_ERRORS:
        assert errors, f"{method} {path} documents no error response: use error_responses(...)"
    if path.startswith("/v1/"):
        assert {"401", "422"} <= set(errors), f"{method} {path}: document 401 and 422"
    for status, response in errors.items():
        content = response.get("content", {})
        assert list(content) == ["application/json"], f"{method} {path} {status}: {content}"
        schema = content["application/json"]["schema"]
        assert schema == {"$ref": ERROR_REF}, f"{method} {path} {status} uses {schema}"


@pytest.mark.parametrize(
    ("method", "path", "operation"), WITH_BODY, ids=[f"{m} {p}" for m, p, _ in WITH_BODY]
)
def test_request_bodies_have_valid_examples(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    for media_type, media in operation["requestBody"]["content"].items():
        assert _examples(media), f"{method} {path} ({media_type}): add a request example"
        assert _invalid_examples(media) == [], f"{method} {path} ({media_type})"


@pytest.mark.parametrize(("method", "path", "operation"), OPERATIONS, ids=IDS)
def test_success_responses_have_valid_examples(
    method: str, path: str, operation: dict[str, Any]
) -> None:
    successes = {s: r for s, r in operation["responses"].items() if s.startswith("2")}
    assert successes, f"{method} {path} documents no success response"
    for status, response in successes.items():
        content = response.get("content", {})
        if status == "204":
            assert content == {}, f"{method} {path}: a 204 has no body to document"
            continue
        for media_type, media in content.items():
            assert _examples(media), f"{method} {path} {status} ({media_type}): add an example"
            assert _invalid_examples(media) == [], f"{method} {path} {status} ({media_type})"


def test_there_are_operations_with_bodies_and_examples_to_check() -> None:
    """The parametrized checks above must have something to look at."""
    assert len(OPERATIONS) >= 8
    assert {p for _, p, _ in WITH_BODY} >= {"/v1/auth/token", "/v1/auth/connect_token"}


def test_the_error_envelope_is_documented_once() -> None:
    envelope = COMPONENTS["ErrorResponse"]
    assert envelope["required"] == ["error"]
    assert envelope["properties"]["error"] == {"$ref": "#/components/schemas/ErrorDetail"}
    detail = COMPONENTS["ErrorDetail"]
    assert set(detail["required"]) == {"code", "message", "request_id"}
    assert set(detail["properties"]) == {"code", "message", "request_id", "fields"}
    media = {"schema": {"$ref": ERROR_REF}}
    assert _examples(media)
    assert _invalid_examples(media) == []
    # FastAPI's default 422 body is never sent; documenting it would mislead.
    assert not {"HTTPValidationError", "ValidationError"} & set(COMPONENTS)


def _dependencies(dependant: Dependant) -> Iterator[Dependant]:
    for sub in dependant.dependencies:
        yield sub
        yield from _dependencies(sub)


def _post_routes_without_idempotency(app: FastAPI) -> tuple[list[str], list[str]]:
    """(every POST route, those whose dependency tree lacks the Idempotency-Key dependency)."""
    posts, missing = [], []
    for route in iter_route_contexts(app.routes):
        if "POST" not in (route.methods or ()):
            continue
        posts.append(route.path_format)
        dependant: Dependant | None = getattr(route, "dependant", None)
        calls = [d.call for d in _dependencies(dependant)] if dependant else []
        if not any(is_idempotent_dependency(call) for call in calls):
            missing.append(route.path_format)
    return posts, missing


# POST routes that are deliberately not keyed by Idempotency-Key, and why.
NOT_IDEMPOTENT_BY_KEY = {
    # Runs several transactions of its own while the worker signs in; a retry signs in again
    # and reuses the same credential (one per user, utility and username), as the widget does.
    "/v1/sandbox/utility_credentials",
    # A file merges without duplicates (readings and bills keyed as a sync keys them), so a
    # retry stores nothing twice; a 64 MiB body is not worth fingerprinting and keeping.
    "/v1/utility_credentials/files",
}


def test_every_post_route_declares_the_idempotency_dependency() -> None:
    """Every POST of the client API (/v1); the widget's session API (/connect/api) is driven by
    one browser step at a time and guards its own state machine (409 on a repeated step)."""
    posts, missing = _post_routes_without_idempotency(APP)
    assert {"/v1/auth/token", "/v1/auth/connect_token"} <= set(posts)
    missing = [p for p in missing if p.startswith("/v1/") and p not in NOT_IDEMPOTENT_BY_KEY]
    assert missing == [], (
        f"POST routes without dependencies=[Depends(idempotent_for(...))]: {missing}"
    )


def test_the_idempotency_check_tells_the_routes_apart() -> None:
    """The check above must be able to fail: a bare POST route is reported, a declared one not."""
    app = FastAPI()

    @app.post("/bare")
    async def bare() -> None: ...

    @app.post("/declared", dependencies=[Depends(idempotent_for(current_client))])
    async def declared() -> None: ...

    posts, missing = _post_routes_without_idempotency(app)
    assert posts == ["/bare", "/declared"]
    assert missing == ["/bare"]


LINKS = [
    (f"{method} {path} {status} {name}", operation, response, link)
    for method, path, operation in OPERATIONS
    for status, response in operation["responses"].items()
    for name, link in response.get("links", {}).items()
]


def _pointer(document: Any, pointer: str) -> Any:
    """RFC 6901: the value at ``pointer`` (KeyError, IndexError when there is none)."""
    for token in pointer.lstrip("/").split("/") if pointer else []:
        token = token.replace("~1", "/").replace("~0", "~")
        document = document[int(token)] if isinstance(document, list) else document[token]
    return document


def _link_values(operation: dict[str, Any], response: dict[str, Any], expression: str) -> list[Any]:
    """What ``expression`` finds in the documented examples of the request or the answer."""
    if expression.startswith("$request.path."):
        names = {p["name"] for p in operation["parameters"] if p["in"] == "path"}
        return [expression] if expression.removeprefix("$request.path.") in names else []
    source, _, pointer = expression.partition("#")
    if source == "$response.body":
        examples = _examples(response["content"]["application/json"])
    else:
        assert source == "$request.body", expression
        examples = _examples(operation["requestBody"]["content"]["application/json"])
    values = []
    for example in examples:
        try:
            values.append(_pointer(example, pointer))
        except (KeyError, IndexError):
            continue
    return values


@pytest.mark.parametrize(
    ("name", "operation", "response", "link"), LINKS, ids=[x[0] for x in LINKS]
)
def test_links_lead_to_an_operation_with_values_the_answer_has(
    name: str, operation: dict[str, Any], response: dict[str, Any], link: dict[str, Any]
) -> None:
    """A link's target exists and takes the parameters it fills; each expression finds a string
    in the documented examples (a renamed field cannot leave a link pointing at nothing), and
    where the target documents an example of that parameter, the same one (a link that picks
    the wrong field: an idempotent DELETE would not tell)."""
    target = _pointer(DOCUMENT, link["operationRef"].removeprefix("#"))
    parameters = {p["name"]: p for p in target.get("parameters", [])}
    assert set(link["parameters"]) <= set(parameters), name
    for parameter, expression in link["parameters"].items():
        values = _link_values(operation, response, expression)
        assert values, f"{name}: {expression} finds nothing in the examples"
        assert all(isinstance(value, str) for value in values), f"{name}: {expression}"
        expected = parameters[parameter]["schema"].get("examples")
        if expected and not expression.startswith("$request.path."):
            assert set(values) <= set(expected), f"{name}: {expression} finds {values}"


def test_there_are_links_to_check() -> None:
    assert len(LINKS) >= 14
