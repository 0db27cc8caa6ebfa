"""ConEd and Orange & Rockland sign in with the authenticator app's key: the opower library's own
login code runs against a fake of the utility's website (HTTPS on 127.0.0.1, answering in the
shape coned.com does), which accepts only the code RFC 6238 makes from the right key now.

Only the host names are redirected (an aiohttp resolver) and the library's wait before a retry
is skipped; the codes, the requests and their order are the library's."""

from __future__ import annotations

import base64
import datetime
import hashlib
import hmac
import ipaddress
import socket
import ssl
import struct
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import opower.utilities.coned
import pytest
from aiohttp import web
from aiohttp.abc import AbstractResolver, ResolveResult
from aiohttp.test_utils import TestServer
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from gridlink.connectors.base import ConnectorContext, Credentials, Pace
from gridlink.connectors.errors import InvalidCredentials, TemporarilyUnavailable
from gridlink.connectors.library_support import PacedConnector
from gridlink.connectors.opower import OpowerConnector
from gridlink.connectors.opower.connector import OpowerLibrary
from gridlink.connectors.opower.errors import NEEDS_KEY, WRONG_KEY

KEY = "JBSWY3DPEHPK3PXPGRIDLINK"  # normalized, as the vault holds it
OTHER_KEY = "KRSXG5CTMVRXEZLUKRSXG5A2"
PASSWORD = "coned-password-3"
LOGIN_API = "/sitecore/api/ssc/ConEdWeb-Foundation-Login-Areas-LoginAPI/User/0"
TOKEN_API = "/sitecore/api/ssc/ConEd-Cms-Services-Controllers-Opower/OpowerService/0"
HOSTS = ("www.coned.com", "www.oru.com")


def totp(key: str, at: float) -> str:
    """RFC 6238 with the defaults authenticator apps use: SHA-1, 30 s, 6 digits."""
    secret = base64.b32decode(key + "=" * (-len(key) % 8))
    digest = hmac.new(secret, struct.pack(">Q", int(at) // 30), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    number = struct.unpack(">I", digest[offset : offset + 4])[0] & 0x7FFFFFFF
    return f"{number % 1_000_000:06d}"


@dataclass
class Site:
    """What the fake coned.com (and oru.com, the same code) saw."""

    key: str = KEY
    port: int = 0
    codes: list[str] = field(default_factory=list)
    hosts: set[str] = field(default_factory=set)
    token_served: bool = False

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/en/login", self.login_page)
        app.router.add_post(f"{LOGIN_API}/Login", self.login)
        app.router.add_post(f"{LOGIN_API}/VerifyFactor", self.verify)
        app.router.add_get("/okta/authorize", self.authorize)
        app.router.add_get("/", self.home)
        app.router.add_get("/en/accounts-billing/my-account/energy-use", self.home)
        app.router.add_get(f"{TOKEN_API}/GetOPowerToken", self.token)
        return app

    async def login_page(self, request: web.Request) -> web.Response:
        self.hosts.add(request.host.split(":")[0])
        response = web.Response(text="<html>login</html>", content_type="text/html")
        response.set_cookie("ASP.NET_SessionId", "pre-login")
        return response

    async def login(self, request: web.Request) -> web.Response:
        body = await request.json()
        right = (body["LoginEmail"], body["LoginPassword"]) == ("sam@example.com", PASSWORD)
        # An account with authenticator-app verification on a device it does not know.
        answer = {"login": right, "newDevice": True, "noMfa": False} if right else {"login": False}
        return web.json_response(answer)

    async def verify(self, request: web.Request) -> web.Response:
        code = (await request.json())["MFACode"]
        self.codes.append(code)
        now = time.time()
        if code in {totp(self.key, now), totp(self.key, now - 30)}:  # a step of clock skew
            base = f"https://{request.host}"
            return web.json_response({"code": True, "authRedirectUrl": f"{base}/okta/authorize"})
        return web.json_response({"code": False})

    async def authorize(self, request: web.Request) -> web.Response:
        raise web.HTTPFound("/?code=okta-code")

    async def home(self, request: web.Request) -> web.Response:
        return web.Response(text="<html>my account</html>", content_type="text/html")

    async def token(self, request: web.Request) -> web.Response:
        self.token_served = True
        return web.json_response("opower-access-token")


class ToTheFake(AbstractResolver):
    """Resolves the utility's host names to the fake; any other name fails the test."""

    def __init__(self, port: int) -> None:
        self.port = port

    async def resolve(
        self, host: str, port: int = 0, family: socket.AddressFamily = socket.AF_INET
    ) -> list[ResolveResult]:
        assert host in HOSTS, f"the test tried to reach {host}"
        return [
            ResolveResult(
                hostname=host,
                host="127.0.0.1",
                port=self.port,
                family=socket.AF_INET,
                proto=0,
                flags=socket.AI_NUMERICHOST,
            )
        ]

    async def close(self) -> None:
        pass


def _tls(tmp_path: Path) -> ssl.SSLContext:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "fake utility")])
    now = datetime.datetime.now(datetime.UTC)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [*map(x509.DNSName, HOSTS), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = tmp_path / "cert.pem", tmp_path / "key.pem"
    cert_file.write_bytes(certificate.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_file, key_file)
    return context


@pytest.fixture
async def site(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Site]:
    async def no_wait(seconds: float) -> None:
        pass

    monkeypatch.setattr(opower.utilities.coned, "sleep", no_wait)  # the retry's wait only
    fake = Site()
    server = TestServer(fake.app(), host="127.0.0.1")
    await server.start_server(ssl=_tls(tmp_path))
    assert server.port is not None
    fake.port = server.port
    yield fake
    await server.close()


def _connector(site: Site, utility_id: str, sessions: list[aiohttp.ClientSession]) -> Any:
    def new_session(pace: Pace) -> aiohttp.ClientSession:
        # The production connector (paced by the context) pointed at the fake.
        connector = PacedConnector(pace, resolver=ToTheFake(site.port), ssl=False)
        session = aiohttp.ClientSession(connector=connector)
        sessions.append(session)
        return session

    variant = OpowerConnector.with_library(OpowerLibrary(session=new_session))
    return variant(utility_id, ConnectorContext())


@pytest.mark.parametrize(("utility_id", "host"), [("eia_4226", HOSTS[0]), ("eia_14154", HOSTS[1])])
async def test_the_library_signs_in_with_codes_made_from_the_key(
    site: Site, utility_id: str, host: str
) -> None:
    sessions: list[aiohttp.ClientSession] = []
    connector = _connector(site, utility_id, sessions)
    session = await connector.login(Credentials("sam@example.com", PASSWORD, KEY))
    async with session:
        assert site.token_served
    assert site.hosts == {host}
    assert len(site.codes) == 1
    assert site.codes[0] in {totp(KEY, time.time()), totp(KEY, time.time() - 30)}
    assert all(s.closed for s in sessions)


async def test_a_key_the_utility_refuses_is_named_in_the_error(site: Site) -> None:
    sessions: list[aiohttp.ClientSession] = []
    connector = _connector(site, "eia_4226", sessions)
    with pytest.raises(InvalidCredentials) as refused:
        await connector.login(Credentials("sam@example.com", PASSWORD, OTHER_KEY))
    assert refused.value.message == WRONG_KEY
    assert len(site.codes) == 2  # the library tries the next code once before giving up
    assert OTHER_KEY not in repr(refused.value) + str(refused.value)
    assert all(s.closed for s in sessions)


async def test_without_a_key_the_end_user_is_asked_for_it(site: Site) -> None:
    sessions: list[aiohttp.ClientSession] = []
    connector = _connector(site, "eia_4226", sessions)
    with pytest.raises(InvalidCredentials) as refused:
        await connector.login(Credentials("sam@example.com", PASSWORD))
    assert refused.value.message == NEEDS_KEY
    assert site.codes == []
    with pytest.raises(InvalidCredentials) as wrong_password:
        await connector.login(Credentials("sam@example.com", "nope", KEY))
    assert wrong_password.value.message == InvalidCredentials.default_message
    assert all(s.closed for s in sessions)


async def test_a_utility_without_an_authenticator_gets_no_key(site: Site) -> None:
    """The key reaches only utilities whose library class accepts one."""
    captured: list[str | None] = []

    class Recording:
        def __init__(self, *args: Any) -> None:
            captured.append(args[4])

        async def async_login(self) -> None:
            raise aiohttp.ClientConnectionError

    library = OpowerLibrary(session=lambda _pace: aiohttp.ClientSession(), client=Recording)  # type: ignore[arg-type]
    for utility_id in ("eia_14328", "eia_4226"):  # PG&E, ConEd
        with pytest.raises(TemporarilyUnavailable):  # the recording client's refusal
            await OpowerConnector.with_library(library)(utility_id).login(
                Credentials("pat", PASSWORD, KEY)
            )
    assert captured == [None, KEY]
