"""One transaction per request, committed by the edge before the response leaves.

``TransactionMiddleware`` gives each HTTP request a ``UnitOfWork``. The transaction opens on
first use (``db_session`` dependency), and ends when the response starts: committed for a
status below 400, rolled back otherwise or when the handler raised. Committing *before* the
status line is sent means a client never sees success for a change that was not stored; a failed
commit becomes a 500 instead.

Hooks registered with ``on_commit`` see the full response (status, headers, body) inside the
transaction just before it commits; the idempotency layer uses that to store the response
atomically with the change it describes. Responses are only buffered when such a hook exists.
"""

from __future__ import annotations

import contextlib
from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import Request
from sqlalchemy.ext.asyncio import AsyncSession
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gridlink.kit.db import Database

CommitHook = Callable[[AsyncSession, int, list[tuple[bytes, bytes]], bytes], Awaitable[None]]

_READ_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


class UnitOfWork:
    def __init__(self, db: Database, *, write: bool) -> None:
        self._db = db
        self._write = write
        self._stack: contextlib.AsyncExitStack | None = None
        self._session: AsyncSession | None = None
        self.commit_hooks: list[CommitHook] = []

    @property
    def opened(self) -> bool:
        return self._session is not None

    async def session(self) -> AsyncSession:
        if self._session is None:
            stack = contextlib.AsyncExitStack()
            await stack.enter_async_context(self._db.write_slot(write=self._write))
            session = await stack.enter_async_context(self._db.session_factory(write=self._write)())
            await session.begin()
            self._stack, self._session = stack, session
        return self._session

    def on_commit(self, hook: CommitHook) -> None:
        self.commit_hooks.append(hook)

    async def finish(
        self, status: int, headers: list[tuple[bytes, bytes]] | None = None, body: bytes = b""
    ) -> None:
        """Commit (status < 400) or roll back, then release the connection and writer slot."""
        if self._session is None or self._stack is None:
            return
        session, stack = self._session, self._stack
        self._session, self._stack = None, None
        try:
            if status < 400:
                for hook in self.commit_hooks:
                    await hook(session, status, headers or [], body)
                await session.commit()
            else:
                await session.rollback()
        finally:
            await stack.aclose()


def _database(scope: Scope) -> Database:
    db = scope["app"].state.db
    assert isinstance(db, Database)
    return db


class TransactionMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        uow = UnitOfWork(_database(scope), write=scope["method"] not in _READ_METHODS)
        scope.setdefault("state", {})["uow"] = uow
        held_start: Message | None = None
        held_body: list[bytes] = []

        async def send_after_commit(message: Message) -> None:
            nonlocal held_start
            if message["type"] == "http.response.start":
                if uow.opened and uow.commit_hooks and message["status"] < 400:
                    held_start = message  # wait for the body: a hook needs it before commit
                    return
                await uow.finish(message["status"])
                await send(message)
                return
            if held_start is not None and message["type"] == "http.response.body":
                held_body.append(message.get("body", b""))
                if message.get("more_body", False):
                    return
                body = b"".join(held_body)
                await uow.finish(held_start["status"], list(held_start["headers"]), body)
                await send(held_start)
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        try:
            await self.app(scope, receive, send_after_commit)
        finally:
            await uow.finish(500)  # no-op if already finished; rolls back if the handler raised


class RequestIdMiddleware:
    """Give every request an id (or keep a well-formed one the caller sent) and echo it back."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        from gridlink.kit.request_context import REQUEST_ID_HEADER, set_request_id

        incoming = _header(scope, b"x-request-id")
        valid = incoming is not None and 8 <= len(incoming) <= 64 and incoming.isascii()
        request_id = set_request_id(incoming if valid and incoming and _safe(incoming) else None)
        header = (REQUEST_ID_HEADER.lower().encode(), request_id.encode())

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [h for h in message.get("headers", []) if h[0] != header[0]]
                message = {**message, "headers": [*headers, header]}
            await send(message)

        await self.app(scope, receive, send_with_id)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            decoded: str = value.decode("latin-1")
            return decoded
    return None


def _safe(value: str) -> bool:
    return all(c.isalnum() or c in "-_." for c in value)


async def db_session(request: Request) -> AsyncSession:
    """FastAPI dependency: the request's transaction (opened on first use)."""
    uow: Any = request.state.uow
    assert isinstance(uow, UnitOfWork)
    return await uow.session()
