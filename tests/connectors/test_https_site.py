"""The loopback HTTPS fake site: routing by host and path, recording, real TLS trusted only
through the test CA, cookies, failures, and the socket guard that lets only it through."""

from __future__ import annotations

import asyncio
import socket
import ssl

import aiohttp
import pytest
from aiohttp import web
from opower import create_cookie_jar

from tests.connectors.https_site import (
    PARAMS,
    Fault,
    HttpsSite,
    LoopbackResolver,
    client_ssl_context,
)
from tests.connectors.library_fakes import no_sockets  # noqa: F401 - autouse


async def _customer(request: web.Request) -> object:
    return {"uuid": request[PARAMS]["uuid"], "host": request[PARAMS]["tenant"]}


async def _login(request: web.Request) -> web.Response:
    response = web.json_response({"ok": True})
    response.set_cookie("session", "s-1", secure=True, domain="example.opower.com")
    return response


async def _whoami(request: web.Request) -> object:
    return {"session": request.cookies.get("session")}


def _site() -> HttpsSite:
    site = HttpsSite()
    site.route("GET", "{tenant}.opower.com", "/api/customers/{uuid}", _customer)
    site.route("POST", "example.opower.com", "/login", _login)
    site.route("GET", "example.opower.com", "/whoami", _whoami)
    return site


async def test_routes_by_host_and_path_and_records_every_request() -> None:
    async with _site() as site:
        sessions = site.session_factory()
        async with sessions() as http:
            async with http.get("https://pge.opower.com/api/customers/c-1?x=1") as answer:
                assert await answer.json() == {"uuid": "c-1", "host": "pge"}
            async with http.get("https://pge.opower.com/elsewhere") as answer:
                assert answer.status == 404
        assert sessions.all_closed
    (first, second) = site.requests
    assert (first.method, first.host, first.path, first.query) == (
        "GET",
        "pge.opower.com",
        "/api/customers/c-1",
        {"x": "1"},
    )
    assert first.status == 200
    assert site.unrouted == [second]
    assert site.count(host="pge.opower.com") == 2
    assert site.counts()[("GET", "pge.opower.com", "/api/customers/c-1")] == 1


async def test_certificates_verify_only_through_the_test_ca() -> None:
    async with _site() as site:
        trusting = site.session_factory()
        async with trusting() as http, http.get("https://any.opower.com/api/customers/c") as a:
            assert a.status == 200
        context = client_ssl_context()
        assert (context.verify_mode, context.check_hostname) == (ssl.CERT_REQUIRED, True)
        # Same resolver, the system's trust store: the test CA is not in it.
        resolver = LoopbackResolver(site)
        untrusting = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(resolver=resolver, ssl=ssl.create_default_context())
        )
        async with untrusting:
            with pytest.raises(aiohttp.ClientConnectorCertificateError):
                await untrusting.get("https://any.opower.com/api/customers/c")


async def test_the_given_cookie_jar_keeps_the_sites_cookies() -> None:
    async with _site() as site:
        sessions = site.session_factory(cookie_jar=create_cookie_jar)
        async with sessions() as http:
            await (await http.post("https://example.opower.com/login")).read()
            async with http.get("https://example.opower.com/whoami") as answer:
                assert await answer.json() == {"session": "s-1"}


async def test_faults_answer_errors_garbage_or_late_then_recover() -> None:
    async with _site() as site:
        path = "/api/customers/c"
        site.fail("GET", "x.opower.com", path, Fault(status=500, times=2))
        site.fail("GET", "x.opower.com", path, Fault(status=200, body="<html>garbage"))
        site.fail("GET", "x.opower.com", path, Fault(status=None, delay=0.2))
        async with site.session_factory()() as http:
            url = f"https://x.opower.com{path}"
            statuses = [(await http.get(url)).status for _ in range(2)]
            assert statuses == [500, 500]
            assert await (await http.get(url)).text() == "<html>garbage"
            with pytest.raises(asyncio.TimeoutError):
                await http.get(url, timeout=aiohttp.ClientTimeout(total=0.05))
            assert (await (await http.get(url)).json())["uuid"] == "c"
        # Twice: aiohttp retries an idempotent request once when the server hangs up.
        site.fail("GET", "x.opower.com", path, Fault(drop=True, times=2))
        async with site.session_factory()() as http:
            with pytest.raises(aiohttp.ServerDisconnectedError):
                await http.get(f"https://x.opower.com{path}")
        with pytest.raises(LookupError):
            site.fail("GET", "x.opower.com", "/nowhere")


async def test_raised_redirects_are_answered_and_recorded() -> None:
    async def moved(request: web.Request) -> web.Response:
        raise web.HTTPFound("https://example.opower.com/whoami")

    async with _site() as site:
        site.route("GET", "old.example.com", "/", moved)
        async with site.session_factory()() as http, http.get("https://old.example.com/") as a:
            assert a.status == 200
    assert [(r.host, r.path, r.status) for r in site.requests] == [
        ("old.example.com", "/", 302),
        ("example.opower.com", "/whoami", 200),
    ]


async def test_the_guard_still_refuses_any_other_address(no_sockets: list[object]) -> None:  # noqa: F811
    async with _site():
        with socket.socket() as sock, pytest.raises(AssertionError):
            sock.connect(("127.0.0.1", 9))
    assert no_sockets == [("127.0.0.1", 9)]
    no_sockets.clear()  # seen: the guard's own check at teardown passes
