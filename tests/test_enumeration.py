"""Control 36: every refusal of a presented secret reads the same and costs the same work.

For each kind of secret (tests/enumeration_cases.py builds them), a malformed value, a
well-formed one never issued or of the other environment, and a real one that expired, was spent
or revoked, or is another client's, get byte-identical answers (bar the request id) after the
same SQL statements, in the same order.

Timing is not asserted (the suite has no timed assertions; bench/enumeration.py prints it). The
statements are its deterministic part: a value refused before the lookup answers without one, and
these tests see that. Refusals only the holder of a real, unexpired secret can provoke are out
of scope: a connect token or link worn out by failed sign-ins is refused after the queries that
find and count them, a live frame ticket whose session was closed after reading the session.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Iterator
from dataclasses import dataclass
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import Engine, event

from gridlink.kit.db import Database
from tests import enumeration_cases as cases


@dataclass(frozen=True)
class Answer:
    status: int
    headers: tuple[tuple[str, str], ...]
    body: bytes
    # Each SQL statement the request ran, whitespace collapsed, without its parameters.
    statements: tuple[str, ...]


def _engines(db: Database) -> list[Engine]:
    """The app's engines (SQLite has a second one for read-only transactions)."""
    found: list[Engine] = []
    for write in (True, False):
        engine = db.session_factory(write=write).kw["bind"].sync_engine
        if engine not in found:
            found.append(engine)
    return found


@contextlib.contextmanager
def _statements(db: Database) -> Iterator[list[str]]:
    seen: list[str] = []

    def record(_conn: Any, _cursor: Any, statement: str, *_rest: Any) -> None:
        seen.append(" ".join(statement.split()))

    engines = _engines(db)
    for engine in engines:
        event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        for engine in engines:
            event.remove(engine, "before_cursor_execute", record)


async def _answer(app: FastAPI, send: Awaitable[httpx.Response]) -> Answer:
    with _statements(app.state.db) as seen:
        response = await send
    request_id = response.headers["x-request-id"]
    assert request_id.encode() in response.content
    headers = tuple(sorted((k, v) for k, v in response.headers.items() if k != "x-request-id"))
    body = response.content.replace(request_id.encode(), b"<request id>")
    return Answer(response.status_code, headers, body, tuple(seen))


def _assert_alike(answers: dict[str, Answer], status: int, table: str) -> None:
    """One answer for all, after the same statements as for a well-formed value never issued,
    which looked in ``table``."""
    first_label = cases.NEVER_ISSUED
    first = answers[first_label]
    assert first.status == status, first.body
    assert any(table in statement for statement in first.statements), first.statements
    for label, answer in answers.items():
        assert (answer.status, answer.headers, answer.body) == (
            first.status,
            first.headers,
            first.body,
        ), f"{label!r} reads unlike {first_label!r}"
        assert answer.statements == first.statements, (
            f"{label!r} ran other statements than {first_label!r}:\n"
            f"{answer.statements}\nvs\n{first.statements}"
        )


@pytest.mark.parametrize("kind", list(cases.BUILDERS))
async def test_every_refusal_reads_alike_after_the_same_statements(
    app: FastAPI, api: httpx.AsyncClient, kind: str
) -> None:
    for refusals in await cases.BUILDERS[kind](app, api):
        answers = {label: await _answer(app, send()) for label, send in refusals.sends.items()}
        _assert_alike(answers, refusals.status, refusals.table)
