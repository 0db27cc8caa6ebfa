"""A small GraphQL executor for the fake dsm-graphql-v1: parse the library's query, resolve
it against a graph of dicts, answer exactly the fields asked for.

The graph is plain data: a dict per object; a value that is callable is a field with
arguments, called with the query's arguments (variables substituted) as keywords. A field
the graph does not have is a GraphQL error, as on the real server ("Cannot query field"),
so a library query that drifts from the schema fails loudly instead of reading nulls.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

_TOKEN = re.compile(r'\.\.\.|[{}()\[\]:=!]|\$?[A-Za-z_]\w*|"(?:[^"\\]|\\.)*"|-?\d+(?:\.\d+)?')


class GraphQLError(Exception):
    pass


@dataclass
class Field:
    name: str
    alias: str | None = None
    args: dict[str, Any] = field(default_factory=dict)
    children: list[Field] | None = None


@dataclass
class Operation:
    name: str | None
    selection: list[Field]


def parse(query: str, variables: dict[str, Any]) -> Operation:
    tokens = _TOKEN.findall(re.sub(r"#[^\n]*", "", query))
    parser = _Parser(tokens, variables)
    return parser.operation()


class _Parser:
    def __init__(self, tokens: list[str], variables: dict[str, Any]) -> None:
        self.tokens = tokens
        self.at = 0
        self.variables = variables

    def peek(self) -> str | None:
        return self.tokens[self.at] if self.at < len(self.tokens) else None

    def take(self, expected: str | None = None) -> str:
        token = self.peek()
        if token is None or (expected is not None and token != expected):
            raise GraphQLError(f"Syntax Error: expected {expected or 'a token'}, found {token}")
        self.at += 1
        return token

    def operation(self) -> Operation:
        name = None
        if self.peek() in ("query", "mutation"):
            self.take()
            if self.peek() not in ("{", "("):
                name = self.take()
            if self.peek() == "(":  # variable definitions: skip them
                depth = 0
                while True:
                    token = self.take()
                    depth += {"(": 1, ")": -1}.get(token, 0)
                    if depth == 0:
                        break
        return Operation(name, self.selection())

    def selection(self) -> list[Field]:
        self.take("{")
        fields = []
        while self.peek() != "}":
            fields.append(self.field())
        self.take("}")
        return fields

    def field(self) -> Field:
        name = self.take()
        alias = None
        if self.peek() == ":":
            self.take()
            alias, name = name, self.take()
        args: dict[str, Any] = {}
        if self.peek() == "(":
            self.take()
            while self.peek() != ")":
                key = self.take()
                self.take(":")
                args[key] = self.value()
            self.take(")")
        children = self.selection() if self.peek() == "{" else None
        return Field(name, alias, args, children)

    def value(self) -> Any:
        token = self.take()
        if token.startswith("$"):
            return self.variables.get(token[1:])
        if token.startswith('"'):
            return token[1:-1].encode().decode("unicode_escape")
        if token == "[":
            items = []
            while self.peek() != "]":
                items.append(self.value())
            self.take("]")
            return items
        if token in ("true", "false"):
            return token == "true"
        if token == "null":
            return None
        if re.fullmatch(r"-?\d+", token):
            return int(token)
        if re.fullmatch(r"-?\d+\.\d+", token):
            return float(token)
        return token  # an enum value


def execute(query: str, variables: dict[str, Any] | None, root: dict[str, Any]) -> dict[str, Any]:
    """The server's answer: ``{"data": ...}`` or ``{"errors": [...]}``."""
    try:
        operation = parse(query, variables or {})
        return {"data": _resolve(operation.selection, root, "Query")}
    except GraphQLError as error:
        return {"errors": [{"message": str(error), "extensions": {"code": "GRAPHQL_ERROR"}}]}


def _resolve(selection: list[Field], obj: Any, path: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise GraphQLError(f"Field selection on a leaf at {path}")
    out: dict[str, Any] = {}
    for f in selection:
        if f.name not in obj:
            raise GraphQLError(f"Validation error: Cannot query field '{f.name}' at {path}")
        value = obj[f.name]
        if callable(value):
            value = value(**f.args)
        out[f.alias or f.name] = _complete(f.children, value, f"{path}.{f.name}")
    return out


def _complete(children: list[Field] | None, value: Any, path: str) -> Any:
    if value is None:
        return None
    if isinstance(value, list):
        return [_complete(children, item, path) for item in value]
    if children is not None:
        return _resolve(children, value, path)
    if isinstance(value, dict):
        raise GraphQLError(f"Field {path} of an object type must have a selection")
    return value


Resolver = Callable[..., Any]
