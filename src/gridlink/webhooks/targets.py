"""Where webhooks may go: the guard against server-side request forgery.

A webhook URL is the client's to choose, so without a guard it could make this server call
its own admin ports, the cloud metadata service or the private network. Rules:

- live clients: ``https`` only, and every address the host resolves to must be public;
- sandbox clients: ``http`` or ``https``, public addresses or loopback (``http://localhost``
  for local development); private, link-local and metadata addresses stay refused.

The check runs at registration and again at delivery, inside the connection itself: the
network backend below resolves the host, checks every address and connects to a checked
address, so DNS cannot change between the check and the connect. Redirects are never
followed (a 3xx is a failed attempt), so no other target is ever reached.
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

RESOLVE_TIMEOUT_SECONDS = 5.0
MAX_URL_LENGTH = 2000


class UnsafeTarget(Exception):
    """The URL or an address it resolves to is not allowed; the message says why."""


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(str(info[4][0]) for info in infos))


IpAddress = ipaddress.IPv4Address | ipaddress.IPv6Address


def _is_public(ip: IpAddress) -> bool:
    if isinstance(ip, ipaddress.IPv6Address) and ip.sixtofour is not None:
        return _is_public(ip.sixtofour)
    return ip.is_global and not ip.is_multicast


@dataclass(frozen=True)
class TargetPolicy:
    environment: str

    @property
    def allow_loopback(self) -> bool:
        return self.environment == "sandbox"

    def check_address(self, address: str) -> None:
        ip = ipaddress.ip_address(address.split("%", 1)[0])
        if _is_public(ip) or (self.allow_loopback and ip.is_loopback):
            return
        kind = "loopback" if ip.is_loopback else "private, link-local or reserved"
        raise UnsafeTarget(f"the host resolves to a {kind} address ({ip}), which is not allowed")

    def check_shape(self, url: str) -> tuple[str, int]:
        """Scheme, user info, fragment, length; returns (host, port)."""
        if len(url) > MAX_URL_LENGTH:
            raise UnsafeTarget(f"the URL is longer than {MAX_URL_LENGTH} characters")
        parts = urlsplit(url)
        allowed = ("https",) if self.environment == "live" else ("http", "https")
        if parts.scheme not in allowed or not parts.hostname:
            need = "an https URL" if self.environment == "live" else "an http(s) URL"
            raise UnsafeTarget(f"{self.environment} clients need {need} with a host")
        if "@" in parts.netloc or parts.fragment:
            raise UnsafeTarget("the URL must not contain user info or a fragment")
        try:
            port = parts.port or (443 if parts.scheme == "https" else 80)
        except ValueError as exc:
            raise UnsafeTarget("the URL's port is not a number from 1 to 65535") from exc
        return parts.hostname, port

    async def resolve_checked(self, host: str, port: int, resolver: Resolver) -> list[str]:
        """Every address of ``host``, each checked; raises UnsafeTarget."""
        try:
            addresses = await asyncio.wait_for(resolver(host, port), RESOLVE_TIMEOUT_SECONDS)
        except (OSError, TimeoutError) as exc:
            raise UnsafeTarget(f"the host {host!r} could not be resolved") from exc
        if not addresses:
            raise UnsafeTarget(f"the host {host!r} has no address")
        for address in addresses:
            self.check_address(address)
        return addresses

    async def check_url(self, url: str, resolver: Resolver) -> None:
        host, port = self.check_shape(url)
        await self.resolve_checked(host, port, resolver)


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
        addresses = await self.policy.resolve_checked(host, port, self.resolver)
        error: Exception | None = None
        for address in addresses:
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
