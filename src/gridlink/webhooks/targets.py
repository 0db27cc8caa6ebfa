"""Where webhooks may go: the guard against server-side request forgery.

A webhook URL is the client's to choose, so without a guard it could make this server call
its own admin ports, the cloud metadata service or the private network. Rules:

- live clients: ``https`` only, and every address the host resolves to must be public;
- sandbox clients: ``http`` or ``https``, public addresses, and loopback (``http://localhost``
  for local development) only when ``loopback`` is on — by default only on a server that is
  itself local (``Settings.webhook_loopback_allowed``); otherwise any sandbox client could
  probe this machine's ports.

"Public" means what the stdlib ``ipaddress`` calls global (IANA's special-purpose registries),
and for IPv6 also that no IPv4 address it carries is special: IPv4-mapped ``::ffff:0:0/96``,
the deprecated IPv4-compatible ``::/96`` and SIIT ``::ffff:0:0:0/96`` forms, NAT64
``64:ff9b::/96`` (``ipaddress`` calls it global, yet ``64:ff9b::a9fe:a9fe`` is the metadata
service through a NAT64 gateway), 6to4 ``2002::/16`` and Teredo ``2001::/32`` (server and
client). The local-use NAT64 prefix ``64:ff9b:1::/48`` (RFC 8215) puts the IPv4 address at a
place only the operator knows, so it is refused whole, as is ``::/96``.

The check runs at registration and again at delivery, inside the connection itself: the
network backend below resolves the host, checks every address and connects to a checked
address, so DNS cannot change between the check and the connect. Redirects are never
followed (a 3xx is a failed attempt), so no other target is ever reached.

Messages never say what a host name resolved to, nor whether it resolved: that would let a
client read this server's DNS (internal names) through the API. An address written in the URL
itself is named, since the client already knows it.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from urllib.parse import urlsplit

import httpcore
import httpx

Resolver = Callable[[str, int], Awaitable[list[str]]]
IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

RESOLVE_TIMEOUT_SECONDS = 5.0
MAX_URL_LENGTH = 2000

_IPV4_COMPATIBLE = ipaddress.IPv6Network("::/96")
_IPV4_TRANSLATED = ipaddress.IPv6Network("::ffff:0:0:0/96")
_NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
_NAT64_LOCAL = ipaddress.IPv6Network("64:ff9b:1::/48")
_LOW_32_BITS = 0xFFFFFFFF


class UnsafeTarget(Exception):
    """The URL or an address it resolves to is not allowed; the message says why."""


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


def embedded_ipv4(ip: ipaddress.IPv6Address) -> list[ipaddress.IPv4Address]:
    """The IPv4 addresses an IPv6 address stands for, in every translation form we know."""
    found: list[ipaddress.IPv4Address] = []
    if ip.ipv4_mapped is not None:
        found.append(ip.ipv4_mapped)
    if ip.sixtofour is not None:
        found.append(ip.sixtofour)
    if ip.teredo is not None:
        found.extend(ip.teredo)  # (server, client); ipaddress undoes the client's obfuscation
    if ip in _NAT64 or ip in _IPV4_TRANSLATED or ip in _IPV4_COMPATIBLE:
        found.append(ipaddress.IPv4Address(int(ip) & _LOW_32_BITS))
    return found


def is_public(ip: IpAddress) -> bool:
    """True when webhooks may go to ``ip``: global unicast, and nothing special inside."""
    if isinstance(ip, ipaddress.IPv6Address):
        if ip in _IPV4_COMPATIBLE or ip in _NAT64_LOCAL:
            return False
        if not all(is_public(inner) for inner in embedded_ipv4(ip)):
            return False
    return ip.is_global and not ip.is_multicast


def is_loopback(ip: IpAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped.is_loopback
    return ip.is_loopback


def _literal(host: str) -> IpAddress | None:
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        return None


@dataclass(frozen=True)
class TargetPolicy:
    environment: str
    loopback: bool = False  # sandbox only: live clients never reach loopback

    @property
    def allow_loopback(self) -> bool:
        return self.loopback and self.environment == "sandbox"

    def allows(self, address: str) -> bool:
        ip = _literal(address)
        if ip is None:
            return False
        return is_public(ip) or (self.allow_loopback and is_loopback(ip))

    def _where(self) -> str:
        if self.allow_loopback:
            return "public or loopback addresses"
        return "public addresses"

    def check_address(self, address: str) -> None:
        """For an address the client wrote in the URL: say which kind it is."""
        ip = _literal(address)
        if ip is None or self.allows(address):
            return
        if is_loopback(ip):
            kind = "a loopback address"
            if self.environment == "sandbox":
                kind += " (allowed only on a local server: see GRIDLINK_WEBHOOK_ALLOW_LOOPBACK)"
        else:
            kind = "a private, link-local, reserved or special-purpose address"
        raise UnsafeTarget(f"{ip} is {kind}, which webhooks may not reach")

    def check_shape(self, url: str) -> tuple[str, int]:
        """Scheme, user info, fragment, length; returns (host, port)."""
        if len(url) > MAX_URL_LENGTH:
            raise UnsafeTarget(f"the URL is longer than {MAX_URL_LENGTH} characters")
        try:
            parts = urlsplit(url)
            hostname = parts.hostname
        except ValueError as exc:  # e.g. an unclosed [ of an IPv6 literal
            raise UnsafeTarget("the URL cannot be parsed") from exc
        allowed = ("https",) if self.environment == "live" else ("http", "https")
        if parts.scheme not in allowed or not hostname:
            need = "an https URL" if self.environment == "live" else "an http(s) URL"
            raise UnsafeTarget(f"{self.environment} clients need {need} with a host")
        if "@" in parts.netloc or parts.fragment:
            raise UnsafeTarget("the URL must not contain user info or a fragment")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise UnsafeTarget("the URL's port is not a number from 1 to 65535") from exc
        self.check_address(hostname)
        return hostname, port

    async def resolve_checked(self, host: str, port: int, resolver: Resolver) -> list[str]:
        """Every address of ``host``, each checked; raises UnsafeTarget. The message is the
        same whether the name did not resolve or resolved somewhere not allowed."""
        refused = UnsafeTarget(f"the host {host!r} does not resolve to {self._where()} only")
        try:
            addresses = await asyncio.wait_for(resolver(host, port), RESOLVE_TIMEOUT_SECONDS)
        except (OSError, TimeoutError, UnicodeError) as exc:
            raise refused from exc
        if not addresses or not all(self.allows(address) for address in addresses):
            raise refused
        return addresses

    async def check_url(self, url: str, resolver: Resolver) -> None:
        host, port = self.check_shape(url)
        await self.resolve_checked(host, port, resolver)


@dataclass(frozen=True)
class Targets:
    """What the guard needs besides the URL: name resolution, and whether sandbox clients may
    use loopback receivers on this server."""

    resolver: Resolver = system_resolver
    loopback: bool = False

    def policy(self, environment: str) -> TargetPolicy:
        return TargetPolicy(environment, self.loopback)


class GuardedBackend(httpcore.AsyncNetworkBackend):
    """httpcore's network backend, connecting only to addresses the policy allows. TLS still
    checks the certificate against the URL's host name (httpcore passes it to start_tls)."""

    def __init__(self, policy: TargetPolicy, resolver: Resolver) -> None:
        self.policy = policy
        self.resolver = resolver
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        self.policy.check_address(host)
        addresses = await self.policy.resolve_checked(host, port, self.resolver)
        error: Exception | None = None
        for address in addresses:  # each checked above: the connection is pinned to them
            try:
                return await self.inner.connect_tcp(
                    address, port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                error = exc
        assert error is not None
        raise error

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109 - httpcore's interface
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise UnsafeTarget("webhooks are never sent to a unix socket")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


def guarded_client(
    policy: TargetPolicy, resolver: Resolver, *, timeout: float, max_connections: int
) -> httpx.AsyncClient:
    """An httpx client that connects only where ``policy`` allows, never follows redirects
    and ignores proxy settings of the environment (a proxy would connect past the guard);
    ``max_connections`` caps the connections per receiver."""
    from gridlink.webhooks.transport import DeliveryTransport

    return httpx.AsyncClient(
        transport=DeliveryTransport(GuardedBackend(policy, resolver), max_connections),
        timeout=httpx.Timeout(timeout),
        follow_redirects=False,
        trust_env=False,
    )
