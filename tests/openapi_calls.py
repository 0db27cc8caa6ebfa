"""One plausible request per operation of the OpenAPI document, built from its own examples.

Used by tests that must touch every operation the app documents (control characters, security
headers): path parameters take their documented example (or a well-formed id), optional query
parameters a short value, POSTs an Idempotency-Key, bodies their first documented example.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import quote

import httpx

from gridlink import Settings, create_app

DOCUMENT = create_app(Settings()).openapi()
COMPONENTS = DOCUMENT["components"]["schemas"]
AN_ID = "usr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S"


@dataclass(frozen=True)
class Call:
    method: str
    path: str  # the template, e.g. /v1/users/{client_user_id}
    path_params: dict[str, str] = field(default_factory=dict)
    query: dict[str, str] = field(default_factory=dict)
    headers: dict[str, str] = field(default_factory=dict)
    json: Any = None
    has_body: bool = False

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    def url(self) -> str:
        url = self.path
        for name, value in self.path_params.items():
            url = url.replace("{" + name + "}", quote(value, safe=""))
        return url


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    ref = schema.get("$ref")
    return COMPONENTS[ref.rsplit("/", 1)[-1]] if ref else schema


def _example(schema: dict[str, Any]) -> Any:
    schema = _resolve(schema)
    if schema.get("examples"):
        return schema["examples"][0]
    for option in schema.get("anyOf", []):
        if option.get("examples"):
            return option["examples"][0]
    return None


def _body_example(operation: dict[str, Any]) -> tuple[bool, Any]:
    content = operation.get("requestBody", {}).get("content", {})
    media = content.get("application/json")
    if media is None:
        return bool(content), None
    if "example" in media:
        return True, copy.deepcopy(media["example"])
    if "examples" in media:
        return True, copy.deepcopy(next(iter(media["examples"].values()))["value"])
    found = _example(media.get("schema", {}))
    return True, copy.deepcopy(found if found is not None else {})


def example_call(method: str, path: str, operation: dict[str, Any]) -> Call:
    path_params: dict[str, str] = {}
    query: dict[str, str] = {}
    headers: dict[str, str] = {}
    for parameter in operation.get("parameters", []):
        name, where = parameter["name"], parameter["in"]
        example = _example(parameter.get("schema", {}))
        if where == "path":
            path_params[name] = str(example) if example is not None else AN_ID
        elif where == "query" and _is_text(parameter.get("schema", {})):
            query[name] = str(example) if example is not None else "a"
        elif where == "header" and name == "Idempotency-Key":
            headers[name] = str(uuid.uuid4())
    has_body, body = _body_example(operation)
    return Call(method.upper(), path, path_params, query, headers, body, has_body)


def _is_text(schema: dict[str, Any]) -> bool:
    schema = _resolve(schema)
    if schema.get("type") == "string" and "enum" not in schema and "format" not in schema:
        return True
    return any(_is_text(option) for option in schema.get("anyOf", []))


def every_call() -> list[Call]:
    return [
        example_call(method, path, operation)
        for path, item in DOCUMENT["paths"].items()
        for method, operation in item.items()
    ]


@dataclass(frozen=True)
class Slot:
    """One string the request carries: where ('path', 'query', 'header', 'body') and which."""

    where: str
    name: str  # parameter name, header name, or the body's dotted path
    keys: tuple[str | int, ...] = ()  # the path inside the JSON body

    @property
    def field(self) -> str:
        """What the error's ``fields`` names for this slot."""
        return "path" if self.where == "path" else self.name


def _body_slots(value: Any, keys: tuple[str | int, ...]) -> Iterator[Slot]:
    if isinstance(value, str):
        yield Slot("body", ".".join(str(k) for k in keys), keys)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from _body_slots(item, (*keys, key))
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from _body_slots(item, (*keys, index))


def slots(call: Call) -> list[Slot]:
    found = [Slot("path", name) for name in call.path_params]
    found += [Slot("query", name) for name in call.query]
    found += [Slot("header", name) for name in call.headers]
    found += list(_body_slots(call.json, ()))
    return found


def with_text(call: Call, slot: Slot, text: str) -> Call:
    """``call`` with ``text`` in place of the value at ``slot``."""
    if slot.where == "path":
        return replace(call, path_params={**call.path_params, slot.name: text})
    if slot.where == "query":
        return replace(call, query={**call.query, slot.name: text})
    if slot.where == "header":
        return replace(call, headers={**call.headers, slot.name: text})
    body = copy.deepcopy(call.json)
    target = body
    for key in slot.keys[:-1]:
        target = target[key]
    target[slot.keys[-1]] = text
    return replace(call, json=body)


def original(call: Call, slot: Slot) -> str:
    if slot.where == "path":
        return call.path_params[slot.name]
    if slot.where == "query":
        return call.query[slot.name]
    if slot.where == "header":
        return call.headers[slot.name]
    value: Any = call.json
    for key in slot.keys:
        value = value[key]
    return str(value)


@dataclass
class Caller:
    """Sends calls with the right credentials: a client's for /v1, a session's for /connect/api."""

    api: httpx.AsyncClient
    client_authorization: str
    session_authorization: str

    async def send(self, call: Call) -> httpx.Response:
        headers = {name: value.encode() for name, value in call.headers.items()}  # UTF-8
        if call.path.startswith("/v1/"):
            headers.setdefault("Authorization", self.client_authorization.encode())
        elif call.path.startswith("/connect/api/"):
            headers.setdefault("Authorization", self.session_authorization.encode())
        return await self.api.request(
            call.method,
            call.url(),
            params=call.query or None,
            headers=headers,
            json=call.json if call.has_body else None,
        )
