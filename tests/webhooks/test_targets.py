"""The outbound guard. Name resolution is the one edge we stub (we cannot make a real name
resolve to 10.0.0.5); the HTTP stack and the connections are real."""

from __future__ import annotations

import pytest

from gridlink.webhooks.targets import TargetPolicy, UnsafeTarget, guarded_client, system_resolver
from tests.receiver import Receiver, Reply


def stub_resolver(table: dict[str, list[str]]):  # type: ignore[no-untyped-def]
    async def resolve(host: str, port: int) -> list[str]:
        if host in table:
            return table[host]
        return await system_resolver(host, port)

    return resolve


LIVE = TargetPolicy("live")
SANDBOX = TargetPolicy("sandbox", loopback=True)  # a local server (the development default)
SANDBOX_REMOTE = TargetPolicy("sandbox")  # a server others can reach
NAMES = stub_resolver(
    {
        "hooks.example": ["93.184.216.34"],
        "internal.example": ["10.0.0.5"],
        "mixed.example": ["93.184.216.34", "192.168.1.10"],
        "metadata.example": ["169.254.169.254"],
        "localhost": ["127.0.0.1", "::1"],
    }
)


async def test_live_clients_may_use_public_https_urls() -> None:
    await LIVE.check_url("https://hooks.example/gridlink", NAMES)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("http://hooks.example/gridlink", "https"),
        ("https://127.0.0.1/hook", "loopback"),
        ("https://[::1]/hook", "loopback"),
        ("https://localhost:8443/hook", "does not resolve to public addresses only"),
        ("https://169.254.169.254/latest/meta-data", "private, link-local"),
        ("https://metadata.example/", "does not resolve to public"),
        ("https://internal.example/hook", "does not resolve to public"),
        ("https://mixed.example/hook", "does not resolve to public"),
        ("https://10.1.2.3/hook", "private"),
        ("https://100.100.100.200/", "private"),  # a cloud metadata address, shared space
        ("https://[::ffff:10.0.0.1]/hook", "private"),
        ("https://[2002:a00:1::]/hook", "private"),  # 6to4 wrapping 10.0.0.1
        ("https://[fd00:ec2::254]/", "private"),
        ("https://0.0.0.0/hook", "private"),
        ("https://user:pw@hooks.example/hook", "user info"),
        ("https://no-such-host.invalid/hook", "does not resolve to public"),
        ("https://[::1/hook", "cannot be parsed"),
        ("ftp://hooks.example/hook", "https"),
    ],
)
async def test_live_clients_are_refused(url: str, reason: str) -> None:
    with pytest.raises(UnsafeTarget, match=reason):
        await LIVE.check_url(url, NAMES)


@pytest.mark.parametrize(
    "url", ["http://localhost:3000/hook", "http://127.0.0.1:9/hook", "https://hooks.example/"]
)
async def test_sandbox_clients_may_use_localhost(url: str) -> None:
    await SANDBOX.check_url(url, NAMES)


@pytest.mark.parametrize(
    "url", ["http://internal.example/", "http://169.254.169.254/", "http://192.168.0.2/"]
)
async def test_sandbox_clients_may_not_reach_private_networks(url: str) -> None:
    with pytest.raises(UnsafeTarget):
        await SANDBOX.check_url(url, NAMES)


async def test_the_connection_itself_is_guarded_at_delivery_time() -> None:
    """A name that resolved to a public address at registration but resolves to a private one
    at delivery (DNS rebinding) is refused by the connection pool, before any connect."""
    rebound = stub_resolver({"hooks.example": ["10.0.0.5"]})
    async with guarded_client(LIVE, rebound, timeout=5, max_connections=1) as client:
        with pytest.raises(UnsafeTarget, match="does not resolve to public addresses only"):
            await client.post("https://hooks.example/gridlink", content=b"{}")


async def test_live_guard_refuses_a_real_loopback_receiver(receiver: Receiver) -> None:
    async with guarded_client(LIVE, system_resolver, timeout=5, max_connections=1) as client:
        with pytest.raises(UnsafeTarget, match="loopback"):
            await client.post(receiver.url, content=b"{}")
    assert receiver.requests == []


async def test_sandbox_guard_reaches_a_real_loopback_receiver(receiver: Receiver) -> None:
    async with guarded_client(SANDBOX, system_resolver, timeout=5, max_connections=1) as client:
        response = await client.post(receiver.url, content=b"{}")
    assert response.status_code == 200
    assert len(receiver.requests) == 1


async def test_environment_proxies_are_ignored(
    receiver: Receiver, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("HTTP_PROXY", "http://10.0.0.5:3128")
    monkeypatch.setenv("ALL_PROXY", "http://10.0.0.5:3128")
    async with guarded_client(SANDBOX, system_resolver, timeout=5, max_connections=1) as client:
        assert (await client.post(receiver.url, content=b"{}")).status_code == 200


async def test_redirects_are_not_followed(receiver: Receiver) -> None:
    target = await Receiver().start()
    try:
        receiver.respond = lambda _r: Reply(302, {"location": target.url})
        async with guarded_client(SANDBOX, system_resolver, timeout=5, max_connections=1) as c:
            response = await c.post(receiver.url, content=b"{}")
        assert response.status_code == 302
        assert target.requests == []
    finally:
        await target.stop()


def test_unknown_schemes_are_refused() -> None:
    with pytest.raises(UnsafeTarget):
        SANDBOX.check_shape("file:///etc/passwd")
