"""The HTTP transport of deliveries: httpx over plain httpcore connections, kept per receiver.

Why not httpx's default pool: httpcore's pool rescans every connection (and every queued
request) several times per request, which costs more CPU than the request itself once a
worker holds dozens of connections. Here each receiver (scheme, host, port) has a list of idle
keep-alive connections and a semaphore capping how many it may have open, so taking and
returning a connection costs the same however many there are. Every connection is opened
through the network backend given (the guarded one, webhooks/targets.py).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterable, AsyncIterator, Awaitable, Callable, Iterator

import httpcore
import httpx

_Key = tuple[bytes, bytes, int]  # scheme, host, port

KEEPALIVE_SECONDS = 5.0
MAX_IDLE_ORIGINS = 1024

_ERRORS: tuple[tuple[type[Exception], type[httpx.HTTPError]], ...] = (
    (httpcore.TimeoutException, httpx.TimeoutException),
    (httpcore.ConnectError, httpx.ConnectError),
    (httpcore.NetworkError, httpx.NetworkError),
    (httpcore.ProtocolError, httpx.ProtocolError),
    (httpcore.UnsupportedProtocol, httpx.UnsupportedProtocol),
)


@contextlib.contextmanager
def _as_httpx_errors() -> Iterator[None]:
    try:
        yield
    except Exception as exc:
        for core_error, httpx_error in _ERRORS:
            if isinstance(exc, core_error):
                raise httpx_error(str(exc)) from exc
        raise


class _OriginPool:
    def __init__(self, size: int) -> None:
        self.gate = asyncio.Semaphore(size)
        self.idle: list[httpcore.AsyncHTTPConnection] = []
        self.in_use = 0

    async def take_idle(self) -> httpcore.AsyncHTTPConnection | None:
        while self.idle:
            connection = self.idle.pop()
            if not (connection.has_expired() or connection.is_closed()):
                return connection
            await connection.aclose()
        return None


class _ReleasingStream(httpx.AsyncByteStream):
    """The response body; closing it returns the connection to its receiver's pool."""

    def __init__(
        self, stream: AsyncIterable[bytes], release: Callable[[], Awaitable[None]]
    ) -> None:
        self._stream = stream
        self._release = release
        self._released = False

    async def __aiter__(self) -> AsyncIterator[bytes]:
        with _as_httpx_errors():
            async for chunk in self._stream:
                yield chunk

    async def aclose(self) -> None:
        if self._released:
            return
        self._released = True
        try:
            closer = getattr(self._stream, "aclose", None)
            if closer is not None:
                await closer()
        finally:
            await self._release()


class DeliveryTransport(httpx.AsyncBaseTransport):
    def __init__(self, backend: httpcore.AsyncNetworkBackend, per_origin: int) -> None:
        self._backend = backend
        self._per_origin = per_origin
        self._ssl_context = httpx.create_ssl_context(trust_env=False)
        self._origins: dict[_Key, _OriginPool] = {}

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        url = request.url
        default_port = 443 if url.scheme == "https" else 80
        port = url.port or default_port
        origin = httpcore.Origin(url.raw_scheme, url.raw_host, port)
        pool = self._pool((url.raw_scheme, url.raw_host, port))
        await pool.gate.acquire()
        pool.in_use += 1
        connection = await pool.take_idle() or httpcore.AsyncHTTPConnection(
            origin,
            ssl_context=self._ssl_context,
            keepalive_expiry=KEEPALIVE_SECONDS,
            network_backend=self._backend,
        )
        core_request = httpcore.Request(
            method=request.method,
            url=httpcore.URL(
                scheme=url.raw_scheme, host=url.raw_host, port=url.port, target=url.raw_path
            ),
            headers=request.headers.raw,
            content=request.stream,
            extensions=request.extensions,
        )
        try:
            with _as_httpx_errors():
                response = await connection.handle_async_request(core_request)
        except BaseException:
            await self._release(pool, connection)
            raise
        assert isinstance(response.stream, AsyncIterable)
        return httpx.Response(
            status_code=response.status,
            headers=response.headers,
            stream=_ReleasingStream(response.stream, lambda: self._release(pool, connection)),
            extensions=response.extensions,
        )

    def _pool(self, key: _Key) -> _OriginPool:
        pool = self._origins.get(key)
        if pool is None:
            if len(self._origins) >= MAX_IDLE_ORIGINS:
                self._forget_unused()
            pool = self._origins[key] = _OriginPool(self._per_origin)
        return pool

    def _forget_unused(self) -> None:
        for origin, pool in list(self._origins.items()):
            if not pool.in_use and not pool.idle:
                del self._origins[origin]

    async def _release(self, pool: _OriginPool, connection: httpcore.AsyncHTTPConnection) -> None:
        pool.in_use -= 1
        try:
            if connection.is_idle() and not connection.has_expired():
                pool.idle.append(connection)  # kept alive for the next delivery
            else:
                await connection.aclose()
        finally:
            pool.gate.release()

    async def aclose(self) -> None:
        origins, self._origins = self._origins, {}
        for pool in origins.values():
            for connection in pool.idle:
                await connection.aclose()
