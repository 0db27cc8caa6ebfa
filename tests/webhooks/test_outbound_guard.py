"""The outbound guard against every address form, at registration and at connect time, and
delivery failure reasons that do not tell a client what listens at an address.

Name resolution is stubbed only where a real name cannot resolve to the address a test needs;
the loopback tests use real sockets, real receivers and the system resolver."""

from __future__ import annotations

import asyncio
import ipaddress
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from hypothesis import given, settings
from hypothesis import strategies as st

from gridlink import Settings
from gridlink.webhooks.sender import CONNECTION_FAILED, TIMED_OUT, TLS_FAILED
from gridlink.webhooks.targets import (
    TargetPolicy,
    UnsafeTarget,
    embedded_ipv4,
    guarded_client,
    is_loopback,
    is_public,
    system_resolver,
)
from tests.event_helpers import emit_user_deleted
from tests.factories import TestClient, assert_error, make_client
from tests.receiver import Receiver
from tests.webhooks.conftest import DispatcherFactory, make_endpoint
from tests.webhooks.test_delivery import attempts
from tests.webhooks.test_targets import stub_resolver

LIVE = TargetPolicy("live")
SANDBOX_LOCAL = TargetPolicy("sandbox", loopback=True)
SANDBOX_REMOTE = TargetPolicy("sandbox")
POLICIES = [LIVE, SANDBOX_LOCAL, SANDBOX_REMOTE]
V4 = ipaddress.IPv4Address
V6 = ipaddress.IPv6Address

# The review's two findings, and the same trick through every other translation form.
EMBEDDED_SPECIAL = [
    "::127.0.0.1",  # IPv4-compatible loopback
    "64:ff9b::a9fe:a9fe",  # NAT64 of 169.254.169.254 (cloud metadata)
    "64:ff9b::7f00:1",  # NAT64 of 127.0.0.1
    "64:ff9b::a00:5",  # NAT64 of 10.0.0.5
    "64:ff9b:1::a9fe:a9fe",  # local-use NAT64 (RFC 8215)
    "64:ff9b:1:a9fe:a9:fe00::",  # local-use NAT64, /48 layout of RFC 6052
    "::ffff:127.0.0.1",  # IPv4-mapped
    "::ffff:169.254.169.254",
    "::ffff:0:a9fe:a9fe",  # SIIT IPv4-translated
    "::a9fe:a9fe",  # IPv4-compatible metadata
    "2002:7f00:1::1",  # 6to4 of 127.0.0.1
    "2002:a9fe:a9fe::1",  # 6to4 of the metadata address
    "2001:0:4136:e378:8000:63bf:80ff:fffe",  # Teredo, client 127.0.0.1 (obfuscated)
    "2001:0:a9fe:a9fe::1",  # Teredo, server 169.254.169.254
    "::",
    "::1",
    "fe80::1",
    "fc00::1",
    "ff02::1",
]


def _v6(value: int) -> str:
    return str(V6(value))


def embeddings(v4: V4) -> list[str]:
    """Every IPv6 form that carries ``v4``."""
    n = int(v4)
    obfuscated = n ^ 0xFFFFFFFF
    return [
        _v6(0xFFFF << 32 | n),  # ::ffff:a.b.c.d
        _v6(n),  # ::a.b.c.d
        _v6(0xFFFF << 48 | n),  # ::ffff:0:a.b.c.d
        _v6(int(V6("64:ff9b::")) | n),
        _v6(int(V6("64:ff9b:1::")) | n),
        _v6(0x2002 << 112 | n << 80 | 1),  # 6to4
        _v6(0x20010000 << 96 | n << 64 | 1),  # Teredo server
        _v6(0x20010000 << 96 | int(V4("65.54.227.120")) << 64 | obfuscated),  # Teredo client
    ]


@pytest.mark.parametrize("address", EMBEDDED_SPECIAL)
@pytest.mark.parametrize("policy", POLICIES, ids=lambda p: f"{p.environment}-{p.loopback}")
async def test_ipv6_forms_of_special_addresses_are_refused_as_literals_and_when_resolved(
    policy: TargetPolicy, address: str
) -> None:
    if policy.allow_loopback and is_loopback(ipaddress.ip_address(address)):
        return  # the local sandbox may use ::1 and ::ffff:127.0.0.1, as it may 127.0.0.1
    with pytest.raises(UnsafeTarget, match=r"not reach|loopback"):
        await policy.check_url(f"https://[{address}]/hook", system_resolver)
    named = stub_resolver({"hooks.example": [address]})
    with pytest.raises(UnsafeTarget, match="does not resolve to public"):
        await policy.check_url("https://hooks.example/hook", named)


@pytest.mark.parametrize("address", EMBEDDED_SPECIAL)
async def test_the_connection_refuses_them_too(address: str) -> None:
    """Connect time (after a DNS answer changed since registration): refused before any
    connect, for a name and for the literal."""
    rebound = stub_resolver({"hooks.example": [address]})
    async with guarded_client(SANDBOX_LOCAL, rebound, timeout=5, max_connections=1) as client:
        for url in ("https://hooks.example/x", f"http://[{address}]:1/x"):
            if is_loopback(ipaddress.ip_address(address)):
                continue  # the local sandbox may use ::1, as it may 127.0.0.1
            with pytest.raises(UnsafeTarget):
                await client.post(url, content=b"{}")


@pytest.mark.parametrize(
    "address", ["93.184.216.34", "2606:2800:220:1:248:1893:25c8:1946", "64:ff9b::5db8:d822"]
)
async def test_public_addresses_and_nat64_of_a_public_address_are_allowed(address: str) -> None:
    await LIVE.check_url("https://hooks.example/", stub_resolver({"hooks.example": [address]}))


not_public_v4 = st.builds(V4, st.integers(0, 2**32 - 1)).filter(lambda ip: not is_public(ip))
special_v4 = st.one_of(
    not_public_v4,
    st.sampled_from([V4("127.0.0.1"), V4("169.254.169.254"), V4("10.0.0.5"), V4(0)]),
)


@settings(max_examples=400, deadline=None)
@given(special_v4)
def test_property_no_ipv6_form_of_a_special_ipv4_address_is_public(v4: V4) -> None:
    for form in embeddings(v4):
        assert not is_public(V6(form)), form
        for policy in POLICIES:
            loopback_ok = policy.allow_loopback and is_loopback(V6(form))
            assert loopback_ok or not policy.allows(form), (policy, form)


@settings(max_examples=2000, deadline=None)
@given(st.builds(V6, st.integers(0, 2**128 - 1)))
def test_property_a_public_ipv6_address_is_global_and_carries_only_public_ipv4(ip: V6) -> None:
    if is_public(ip):
        assert ip.is_global
        assert not ip.is_multicast
        assert all(inner.is_global for inner in embedded_ipv4(ip))


@settings(max_examples=400, deadline=None)
@given(st.builds(V4, st.integers(0, 2**32 - 1)))
def test_property_every_form_is_read_back_to_its_ipv4_address(v4: V4) -> None:
    """embedded_ipv4 finds the address in each form (the local-use NAT64 prefix, whose layout
    only the operator knows, is refused whole instead)."""
    for form in embeddings(v4):
        ip = V6(form)
        if ip in ipaddress.IPv6Network("64:ff9b:1::/48"):
            assert not is_public(ip)
        else:
            assert v4 in embedded_ipv4(ip), form


# Spellings of loopback and private IPv4 that getaddrinfo understands (decimal, hex, octal,
# short forms): the guard checks the resolved address, so each is refused with the real
# resolver, and a local sandbox's loopback allowance does not open the private ones.
OBFUSCATED_LOOPBACK = ["2130706433", "0x7f000001", "0177.0.0.1", "127.1", "0x7f.1", "127.0.1"]
OBFUSCATED_PRIVATE = ["167772165", "0xa000005", "012.0.0.5", "10.5", "0xa9fea9fe", "0"]


@pytest.mark.parametrize("host", OBFUSCATED_LOOPBACK + OBFUSCATED_PRIVATE)
async def test_obfuscated_ipv4_spellings_are_refused(host: str) -> None:
    for policy in (LIVE, SANDBOX_REMOTE):
        with pytest.raises(UnsafeTarget):
            await policy.check_url(f"https://{host}/hook", system_resolver)


@pytest.mark.parametrize("host", OBFUSCATED_PRIVATE)
async def test_obfuscated_private_spellings_stay_refused_on_a_local_server(host: str) -> None:
    with pytest.raises(UnsafeTarget):
        await SANDBOX_LOCAL.check_url(f"http://{host}/hook", system_resolver)


async def test_messages_never_say_what_a_name_resolved_to() -> None:
    """Otherwise the API is an oracle for this server's internal DNS."""
    names = stub_resolver({"db.internal": ["10.20.30.40"], "nas.internal": ["192.168.7.7"]})
    messages = []
    for host in ("db.internal", "nas.internal", "no-such-host.invalid"):
        with pytest.raises(UnsafeTarget) as refused:
            await LIVE.check_url(f"https://{host}/", names)
        messages.append(str(refused.value).replace(repr(host), "HOST"))
    assert "10.20.30.40" not in messages[0]
    assert "192.168" not in messages[1]
    assert len(set(messages)) == 1, messages  # resolved-private and unresolvable read alike


# Loopback: only on a local server ------------------------------------------------------------


async def test_a_remote_sandbox_policy_refuses_a_real_loopback_receiver(
    receiver: Receiver,
) -> None:
    with pytest.raises(UnsafeTarget, match="GRIDLINK_WEBHOOK_ALLOW_LOOPBACK"):
        await SANDBOX_REMOTE.check_url(receiver.url, system_resolver)
    with pytest.raises(UnsafeTarget):
        await SANDBOX_REMOTE.check_url(f"http://localhost:{receiver.port}/", system_resolver)
    async with guarded_client(SANDBOX_REMOTE, system_resolver, timeout=5, max_connections=1) as c:
        with pytest.raises(UnsafeTarget):
            await c.post(receiver.url, content=b"{}")
    assert receiver.requests == []


@pytest.fixture
async def remote_api(settings: Settings, app: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    """The app as on a server others reach (listening on all interfaces)."""
    app.state.settings = settings.model_copy(update={"host": "0.0.0.0"})  # noqa: S104
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://testserver") as client:
        yield client


async def test_a_server_others_reach_refuses_loopback_registrations(
    app: FastAPI, remote_api: httpx.AsyncClient, receiver: Receiver, settings: Settings
) -> None:
    client = await make_client(app)
    for url in (receiver.url, f"http://localhost:{receiver.port}/x", "http://[::1]:5432/"):
        refused = await remote_api.post(
            "/v1/webhook_endpoints", json={"url": url}, auth=client.auth
        )
        assert assert_error(refused, 422, "invalid_request")["fields"] == ["url"], url
    # The operator may allow it (e.g. a shared development server).
    app.state.settings = app.state.settings.model_copy(update={"webhook_allow_loopback": True})
    allowed = await remote_api.post(
        "/v1/webhook_endpoints", json={"url": receiver.url}, auth=client.auth
    )
    assert allowed.status_code == 201, allowed.text
    # Live clients never may.
    live = await make_client(app, environment="live", origins=["https://live.example"])
    https_loopback = f"https://127.0.0.1:{receiver.port}/x"
    refused = await remote_api.post(
        "/v1/webhook_endpoints", json={"url": https_loopback}, auth=live.auth
    )
    assert_error(refused, 422, "invalid_request")


def test_loopback_allowance_follows_where_the_server_listens() -> None:
    assert Settings(host="127.0.0.1").webhook_loopback_allowed()
    assert Settings(host="::1").webhook_loopback_allowed()
    assert not Settings(host="0.0.0.0").webhook_loopback_allowed()  # noqa: S104
    behind_proxy = Settings(host="127.0.0.1", public_url="https://connect.example.com")
    assert not behind_proxy.webhook_loopback_allowed()
    assert Settings(host="0.0.0.0", webhook_allow_loopback=True).webhook_loopback_allowed()  # noqa: S104
    assert not Settings(webhook_allow_loopback=False).webhook_loopback_allowed()


async def test_delivery_to_a_loopback_endpoint_is_refused_on_a_server_others_reach(
    app: FastAPI, api: httpx.AsyncClient, receiver: Receiver, make_dispatcher: DispatcherFactory
) -> None:
    """Registered while allowed (or before this release): refused when sent, nothing arrives."""
    client = await make_client(app)
    endpoint = await make_endpoint(api, client, receiver.url)
    await emit_user_deleted(app, client.id, "user-1")
    assert await (await make_dispatcher(allow_loopback=False)).run_once() == 1
    [logged] = await attempts(api, client, endpoint["id"])
    assert logged["error"].startswith("refused: the host '127.0.0.1'") or logged[
        "error"
    ].startswith("refused: 127.0.0.1 is a loopback address")
    assert logged["status_code"] is None
    assert receiver.requests == []


# Failure reasons -----------------------------------------------------------------------------


class RawServer:
    """A TCP server on 127.0.0.1 that is not an HTTP server: it answers with ``reply`` (or
    nothing) and closes, like a database or SSH port would."""

    def __init__(self, reply: bytes | None, hold: bool = False) -> None:
        self.reply = reply
        self.hold = hold
        self.server: asyncio.Server | None = None

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await reader.read(1024)
        if self.hold:
            await reader.read()  # until the sender gives up and hangs up
        if self.reply is not None:
            writer.write(self.reply)
            await writer.drain()
        writer.close()

    async def start(self) -> str:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}/"

    async def stop(self) -> None:
        if self.server is not None:
            self.server.close()


async def _closed_port_url() -> str:
    probe = await asyncio.start_server(lambda _r, _w: None, "127.0.0.1", 0)
    port = probe.sockets[0].getsockname()[1]
    probe.close()
    await probe.wait_closed()
    return f"http://127.0.0.1:{port}/"


async def _reasons(
    app: FastAPI,
    api: httpx.AsyncClient,
    make_dispatcher: DispatcherFactory,
    urls: list[str],
    **settings: Any,
) -> list[dict[str, Any]]:
    client: TestClient = await make_client(app)
    endpoints = [await make_endpoint(api, client, url) for url in urls]
    await emit_user_deleted(app, client.id, "user-1")
    assert await (await make_dispatcher(**settings)).run_once() == len(urls)
    return [(await attempts(api, client, e["id"]))[0] for e in endpoints]


async def test_failure_reasons_do_not_tell_a_closed_port_from_a_non_http_service(
    app: FastAPI, api: httpx.AsyncClient, make_dispatcher: DispatcherFactory
) -> None:
    """Before: a closed port read "could not connect", PostgreSQL's port "ProtocolError", so a
    sandbox client could map the server's ports through the delivery log."""
    chatty = RawServer(b"E\x00\x00\x00\x08SFATAL\x00\x00")  # a database's error packet
    silent = RawServer(None)  # accepts, reads, hangs up
    urls = [await _closed_port_url(), await chatty.start(), await silent.start()]
    urls.append("http://127.0.0.1:5432/")  # the test PostgreSQL itself
    try:
        logged = await _reasons(app, api, make_dispatcher, urls)
    finally:
        await chatty.stop()
        await silent.stop()
    assert [a["error"] for a in logged] == [CONNECTION_FAILED] * len(urls)
    assert all(a["status_code"] is None for a in logged)


async def test_failure_reasons_an_integrator_needs_stay_distinct(
    app: FastAPI, api: httpx.AsyncClient, make_dispatcher: DispatcherFactory, receiver: Receiver
) -> None:
    hanging = RawServer(None, hold=True)
    hanging_url = await hanging.start()
    plain = RawServer(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n")
    https_to_plain = (await plain.start()).replace("http://", "https://")
    try:
        logged = await _reasons(
            app,
            api,
            make_dispatcher,
            [hanging_url, https_to_plain, f"{receiver.url}/ok"],
            timeout_seconds=0.5,
        )
    finally:
        await hanging.stop()
        await plain.stop()
    assert [a["error"] for a in logged] == [TIMED_OUT, TLS_FAILED, None]
    assert logged[2]["status_code"] == 200
