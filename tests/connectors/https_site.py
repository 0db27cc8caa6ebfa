"""A fake website on loopback HTTPS, for libraries that make their own aiohttp requests.

The far side of a connector (a utility's portal) is faked at its HTTP boundary, so the
library we wrap runs its own code: URLs, headers, cookies, redirects, JSON parsing. ::

    site = HttpsSite()
    site.route("GET", "example.opower.com", "/api/customers/{uuid}", answer_customer)
    async with site:
        sessions = site.session_factory(cookie_jar=create_cookie_jar)
        async with sessions() as http:
            await http.get("https://example.opower.com/api/customers/c-1")
        assert site.count(path="/api/customers/c-1") == 1

- **One server, every host name.** An ``aiohttp.web`` server listens on 127.0.0.1 (an HTTPS
  port and a plain HTTP one). The sessions from :meth:`HttpsSite.session_factory` resolve
  every host name to it (a custom aiohttp resolver: port 443 → the HTTPS port, any other →
  the plain one), so the library's URLs stay as they are.
- **Real TLS.** A test CA and per-host leaf certificates are made with ``cryptography``
  when first needed (one CA per test process; the leaf for a name is made when the client
  sends that name by SNI). The sessions verify them against that CA: an ssl context that
  trusts only the test CA, verification left on.
- **Routes** are ``(method, host, path)``; host and path may hold ``{name}`` parts (one
  label or one path segment each), found in ``request[PARAMS]``. A handler returns an
  ``aiohttp.web`` response, or any JSON value.
  An unrouted request gets 404 and is kept in :attr:`HttpsSite.unrouted`.
- **Every request is recorded** (method, host, path, query, headers, body, monotonic time)
  in :attr:`HttpsSite.requests`; :meth:`HttpsSite.count` counts them.
- **Failures**: :meth:`HttpsSite.fail` makes a route answer an error status, garbage,
  slowly (then normally, or with the error), or drop the connection, for its next
  ``times`` requests or always.
- **No other network.** ``tests.connectors.library_fakes.no_sockets`` lets a test connect
  only to the addresses of sites running in it (:func:`allow_connections_to`); any other
  connect fails the test.
"""

from __future__ import annotations

import asyncio
import atexit
import datetime as dt
import re
import shutil
import socket
import ssl
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

import aiohttp
from aiohttp import web
from aiohttp.abc import AbstractCookieJar, AbstractResolver, ResolveResult
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gridlink.connectors.base import Pace, no_wait
from gridlink.connectors.library_support import PacedConnector
from tests.connectors.library_fakes import Sessions, allow_connections_to

LOOPBACK = "127.0.0.1"
Handler = Callable[[web.Request], Awaitable[Any]]
# The {name} parts of the matched host and path, for handlers: request[PARAMS]["uuid"].
PARAMS = web.RequestKey("params", dict[str, str])


@dataclass(frozen=True)
class Recorded:
    """One request the site received."""

    method: str
    host: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float  # time.monotonic()
    status: int


@dataclass
class Fault:
    """How a route misbehaves: after ``delay`` seconds, ``status`` with ``body`` (or, with no
    status, the route's normal answer), or no answer at all (``drop``). ``times`` None:
    every request."""

    status: int | None = 503
    body: str | bytes = ""
    delay: float = 0.0
    times: int | None = 1
    content_type: str = "text/html"
    drop: bool = False  # close the connection without an answer


@dataclass
class _Route:
    method: str
    host: re.Pattern[str]
    path: re.Pattern[str]
    handler: Handler
    faults: list[Fault] = field(default_factory=list)


def _pattern(template: str, part: str) -> re.Pattern[str]:
    """``{name}`` matches one host label or one path segment; the rest is literal."""
    pieces = re.split(r"\{(\w+)\}", template)
    regex = "".join(
        re.escape(piece) if i % 2 == 0 else f"(?P<{piece}>{part})" for i, piece in enumerate(pieces)
    )
    return re.compile(f"^{regex}$", re.IGNORECASE)


class HttpsSite:
    """A routed fake site on loopback; ``async with`` runs it."""

    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self.unrouted: list[Recorded] = []
        self._routes: list[_Route] = []
        self._runner: web.AppRunner | None = None
        self._ports: dict[str, int] = {}
        self._stop_allowing: Callable[[], None] | None = None

    # -- routes ---------------------------------------------------------------------------

    def route(self, method: str, host: str, path: str, handler: Handler) -> None:
        """Answer ``method`` requests to ``host`` + ``path`` with ``handler``; a later route for
        the same requests wins."""
        self._routes.insert(
            0,
            _Route(method.upper(), _pattern(host, r"[^./]+"), _pattern(path, r"[^/]+"), handler),
        )

    def fail(self, method: str, host: str, path: str, fault: Fault | None = None) -> Fault:
        """Make the route that answers ``method host path`` misbehave (a 503 once by default)."""
        fault = fault or Fault()
        route = self._find(method.upper(), host, path)
        if route is None:
            raise LookupError(f"no route for {method} {host}{path}")
        route.faults.append(fault)
        return fault

    def count(
        self, *, method: str | None = None, host: str | None = None, path: str | None = None
    ) -> int:
        return sum(
            1
            for r in self.requests
            if (method is None or r.method == method.upper())
            and (host is None or r.host == host)
            and (path is None or r.path == path)
        )

    def counts(self) -> dict[tuple[str, str, str], int]:
        """Requests per (method, host, path)."""
        found: dict[tuple[str, str, str], int] = {}
        for r in self.requests:
            key = (r.method, r.host, r.path)
            found[key] = found.get(key, 0) + 1
        return found

    # -- clients --------------------------------------------------------------------------

    def session_factory(
        self,
        cookie_jar: Callable[[], AbstractCookieJar] | None = None,
        **session_options: Any,
    ) -> Sessions:
        """A callable making ``aiohttp.ClientSession``s that reach this site for every host
        name and trust its CA; it keeps each session it made (``.made``, ``.all_closed``).
        ``cookie_jar`` makes each session's jar (e.g. ``opower.create_cookie_jar``)."""

        def make(pace: Pace = no_wait) -> aiohttp.ClientSession:
            # The connector production sessions use (each request awaits the context's pace),
            # pointed at this site.
            connector = PacedConnector(
                pace, resolver=LoopbackResolver(self), ssl=client_ssl_context()
            )
            jar = cookie_jar() if cookie_jar is not None else None
            return aiohttp.ClientSession(connector=connector, cookie_jar=jar, **session_options)

        return Sessions(make)

    def port_for(self, port: int) -> int:
        if not self._ports:
            raise RuntimeError("the site is not running")
        return self._ports["https" if port == 443 else "http"]

    # -- running --------------------------------------------------------------------------

    async def __aenter__(self) -> HttpsSite:
        app = web.Application()
        app.router.add_route("*", "/{tail:.*}", self._dispatch)
        self._runner = web.AppRunner(app, access_log=None, handle_signals=False)
        await self._runner.setup()
        secure, plain = _bound_socket(), _bound_socket()
        await web.SockSite(self._runner, secure, ssl_context=_server_ssl_context()).start()
        await web.SockSite(self._runner, plain).start()
        self._ports = {"https": secure.getsockname()[1], "http": plain.getsockname()[1]}
        self._stop_allowing = allow_connections_to(
            [(LOOPBACK, port) for port in self._ports.values()]
        )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._stop_allowing is not None:
            self._stop_allowing()
            self._stop_allowing = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None
        self._ports = {}

    # -- serving --------------------------------------------------------------------------

    def _find(self, method: str, host: str, path: str) -> _Route | None:
        for route in self._routes:
            if route.method == method and route.host.match(host) and route.path.match(path):
                return route
        return None

    async def _dispatch(self, request: web.Request) -> web.StreamResponse:
        host = (request.host or "").split(":")[0].lower()
        body = await request.read()
        route = self._find(request.method, host, request.path)
        response: web.StreamResponse
        if route is None:
            response = web.Response(status=404, text=f"no route for {request.method} {host}")
        else:
            request[PARAMS] = _params(route, host, request.path)
            response = await self._answer(route, request)
        record = Recorded(
            request.method,
            host,
            request.path,
            dict(request.query),
            dict(request.headers),
            body,
            time.monotonic(),
            response.status,
        )
        self.requests.append(record)
        if route is None:
            self.unrouted.append(record)
        return response

    async def _answer(self, route: _Route, request: web.Request) -> web.StreamResponse:
        fault = route.faults[0] if route.faults else None
        if fault is not None:
            if fault.times is not None:
                fault.times -= 1
                if fault.times <= 0:
                    route.faults.pop(0)
            if fault.delay:
                await asyncio.sleep(fault.delay)
            if fault.drop and request.transport is not None:
                request.transport.close()
                return web.Response(status=499)
            if fault.status is not None:
                body = fault.body.encode() if isinstance(fault.body, str) else fault.body
                return web.Response(status=fault.status, body=body, content_type=fault.content_type)
        try:
            answer = await route.handler(request)
        except web.HTTPException as raised:  # aiohttp's raised responses (redirects...)
            answer = raised
        if isinstance(answer, web.HTTPException):  # answered as a plain response
            plain = web.Response(status=answer.status, headers=answer.headers, body=answer.body)
            for name, morsel in answer.cookies.items():
                plain.cookies[name] = morsel
            return plain
        if isinstance(answer, web.StreamResponse):
            return answer
        return web.json_response(answer)


def _params(route: _Route, host: str, path: str) -> dict[str, str]:
    found: dict[str, str] = {}
    for pattern, text in ((route.host, host), (route.path, path)):
        match = pattern.match(text)
        assert match is not None
        found |= match.groupdict()
    return found


class LoopbackResolver(AbstractResolver):
    """Every name is the site: 443 → its HTTPS port, anything else → its plain one."""

    def __init__(self, site: HttpsSite) -> None:
        self._site = site

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        return [
            ResolveResult(
                hostname=host,
                host=LOOPBACK,
                port=self._site.port_for(port),
                family=socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        return None


def _bound_socket() -> socket.socket:
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((LOOPBACK, 0))
    return sock


# -- certificates -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Authority:
    key: ec.EllipticCurvePrivateKey
    cert: x509.Certificate
    folder: Path


@cache
def _authority() -> _Authority:
    """The test CA, once per process: EC keys, so making certificates costs milliseconds."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Gridlink test CA")])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=True,
                crl_sign=True,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    folder = Path(tempfile.mkdtemp(prefix="gridlink-test-ca-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    return _Authority(key, cert, folder)


@cache
def client_ssl_context() -> ssl.SSLContext:
    """Verifies servers as usual, trusting only the test CA."""
    pem = _authority().cert.public_bytes(serialization.Encoding.PEM).decode()
    return ssl.create_default_context(cadata=pem)


@cache
def _leaf_files(host: str) -> tuple[Path, Path]:
    """A certificate (with the CA after it) and key for ``host``, signed by the test CA."""
    authority = _authority()
    key = ec.generate_private_key(ec.SECP256R1())
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)]))
        .issuer_name(authority.cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=30))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.ExtendedKeyUsage([x509.oid.ExtendedKeyUsageOID.SERVER_AUTH]), critical=False
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(authority.key.public_key()),
            critical=False,
        )
        .sign(authority.key, hashes.SHA256())
    )
    safe = re.sub(r"[^a-z0-9.-]", "_", host.lower())
    cert_file = authority.folder / f"{safe}.crt"
    key_file = authority.folder / f"{safe}.key"
    cert_file.write_bytes(
        cert.public_bytes(serialization.Encoding.PEM)
        + authority.cert.public_bytes(serialization.Encoding.PEM)
    )
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_file, key_file


@cache
def _leaf_context(host: str) -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*_leaf_files(host))
    return context


def _server_ssl_context() -> ssl.SSLContext:
    """Serves any name: the certificate is chosen (made, the first time) from the SNI name."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(*_leaf_files("localhost"))

    def by_name(
        connection: ssl.SSLObject | ssl.SSLSocket, name: str | None, _: ssl.SSLContext
    ) -> None:
        connection.context = _leaf_context(name or "localhost")

    context.sni_callback = by_name
    return context
