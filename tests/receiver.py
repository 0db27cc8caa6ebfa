"""A real HTTP/1.1 server on 127.0.0.1 that records what it receives and answers as told.

Small on purpose (no framework): it must be able to go down and come back on the same port,
and answer 2xx, 3xx, 410, 429, 5xx or nothing in time, as a test needs.
"""

from __future__ import annotations

import asyncio
import contextlib
import http
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Received:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes
    arrived: float = field(default_factory=time.time)

    @property
    def webhook_id(self) -> str:
        return self.headers["webhook-id"]


@dataclass(frozen=True)
class Reply:
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0


Responder = Callable[[Received], Reply | Awaitable[Reply]]


class Receiver:
    def __init__(self, respond: Responder | None = None) -> None:
        self.respond: Responder = respond or (lambda _r: Reply())
        self.requests: list[Received] = []
        self.port = 0
        self._server: asyncio.Server | None = None
        self._writers: set[asyncio.StreamWriter] = set()
        self._handlers: set[asyncio.Task[None]] = set()
        self._arrived = asyncio.Condition()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hooks"

    async def start(self) -> Receiver:
        self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port)
        self.port = self._server.sockets[0].getsockname()[1]
        return self

    async def stop(self) -> None:
        """Go down: stop listening and cut every open connection (the port stays ours)."""
        if self._server is not None:
            self._server.close()
            for writer in list(self._writers):
                writer.close()
            for handler in list(self._handlers):
                handler.cancel()  # e.g. one holding back its answer
            await self._server.wait_closed()
            self._server = None

    def ids(self) -> set[str]:
        return {r.webhook_id for r in self.requests}

    async def wait_for(self, predicate: Callable[[list[Received]], bool], seconds: float) -> bool:
        async with self._arrived:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._arrived.wait_for(lambda: predicate(self.requests)), seconds
                )
        return predicate(self.requests)

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self._writers.add(writer)
        handler = asyncio.current_task()
        if handler is not None:
            self._handlers.add(handler)
        try:
            while request := await _read_request(reader):
                self.requests.append(request)
                async with self._arrived:
                    self._arrived.notify_all()
                reply = self.respond(request)
                if not isinstance(reply, Reply):
                    reply = await reply
                if reply.delay:
                    await asyncio.sleep(reply.delay)
                writer.write(_response(reply))
                await writer.drain()
        except (ConnectionError, asyncio.IncompleteReadError, asyncio.CancelledError):
            pass
        finally:
            self._writers.discard(writer)
            if handler is not None:
                self._handlers.discard(handler)
            writer.close()


async def _read_request(reader: asyncio.StreamReader) -> Received | None:
    try:
        head = await reader.readuntil(b"\r\n\r\n")
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    lines = head.decode("latin-1").split("\r\n")
    method, path, _version = lines[0].split(" ", 2)
    headers = {}
    for line in lines[1:]:
        if ":" in line:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
    body = await reader.readexactly(int(headers.get("content-length", "0")))
    return Received(method, path, headers, body)


def _response(reply: Reply) -> bytes:
    try:
        reason = http.HTTPStatus(reply.status).phrase
    except ValueError:
        reason = "Status"
    body = "" if reply.status in (204, 304) else "ok"
    headers = {"content-length": str(len(body)), "content-type": "text/plain", **reply.headers}
    lines = [f"HTTP/1.1 {reply.status} {reason}"] + [f"{k}: {v}" for k, v in headers.items()]
    return ("\r\n".join(lines) + "\r\n\r\n" + body).encode()
