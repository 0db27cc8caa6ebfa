"""Mutual TLS to the Data Custodian (PG&E requires it), on both databases: the custodian's
token and resource endpoints served over TLS that demands a client certificate signed by its
CA; its consent page, which browsers reach, on another port that asks for no certificate (at
PG&E, another host). Registered with the certificate and key, the whole flow works;
registered without, the exchange cannot even connect and the credential is never verified."""

from __future__ import annotations

import ipaddress
import ssl
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from fastapi import FastAPI

from gridlink.custodians import service
from gridlink.greenbutton.custodian import SandboxFeeds, create_custodian
from gridlink.greenbutton.custodian.testing import serve_app
from gridlink.kit.clock import ManualClock
from gridlink.kit.keyring import LiveRing
from gridlink.models import UtilityCredential
from tests.credentials.helpers import count
from tests.custodians.conftest import (
    CLIENT_ID,
    CLIENT_SECRET,
    SCOPE,
    UTILITY,
    authorize,
    registration,
    widget_session,
)
from tests.factories import make_client
from tests.sync.helpers import wait_until_synced


@dataclass
class Pki:
    ca: Path
    server_cert: Path
    server_key: Path
    client_cert: Path
    client_key: Path


def _key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _write_key(path: Path, key: ec.EllipticCurvePrivateKey) -> Path:
    path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return path


def _issue(
    name: str,
    key: ec.EllipticCurvePrivateKey,
    issuer: x509.Name,
    signer: ec.EllipticCurvePrivateKey,
    *,
    ca: bool = False,
    server: bool = False,
) -> x509.Certificate:
    now = datetime.now(UTC)
    builder = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
    )
    if server:
        builder = builder.add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]),
            critical=False,
        ).add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
    elif not ca:
        builder = builder.add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH]), critical=False
        )
    return builder.sign(signer, hashes.SHA256())


@pytest.fixture
def pki(tmp_path: Path) -> Pki:
    ca_key = _key()
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test Custodian CA")])
    ca = _issue("Test Custodian CA", ca_key, ca_name, ca_key, ca=True)
    server_key, client_key = _key(), _key()
    server = _issue("127.0.0.1", server_key, ca_name, ca_key, server=True)
    client = _issue("gridlink-test", client_key, ca_name, ca_key)
    pem = serialization.Encoding.PEM
    (tmp_path / "ca.pem").write_bytes(ca.public_bytes(pem))
    (tmp_path / "server.pem").write_bytes(server.public_bytes(pem))
    (tmp_path / "client.pem").write_bytes(client.public_bytes(pem))
    return Pki(
        tmp_path / "ca.pem",
        tmp_path / "server.pem",
        _write_key(tmp_path / "server.key", server_key),
        tmp_path / "client.pem",
        _write_key(tmp_path / "client.key", client_key),
    )


@dataclass
class TwoDoors:
    api_url: str  # https, client certificate required
    page_url: str  # https without a client certificate: the consent page a browser opens


@pytest.fixture
def custodian_mtls(
    pki: Pki, clock: ManualClock, monkeypatch: pytest.MonkeyPatch
) -> Iterator[TwoDoors]:
    monkeypatch.setenv("SSL_CERT_FILE", str(pki.ca))  # our httpx trusts the test CA
    tls = {
        "ssl_certfile": str(pki.server_cert),
        "ssl_keyfile": str(pki.server_key),
        "ssl_ca_certs": str(pki.ca),
        "ssl_cert_reqs": ssl.CERT_REQUIRED,
    }

    def build(base_url: str) -> object:
        return create_custodian(
            base_url=base_url,
            registrations=[registration()],
            feeds=SandboxFeeds(days=5),
            now=clock.now,
            require_pkce=True,
        )

    page_tls = {**tls, "ssl_cert_reqs": ssl.CERT_NONE}  # browsers bring no certificate
    with (
        serve_app(build, tls=tls) as (api_url, custodian),
        serve_app(lambda _url: custodian.app, tls=page_tls) as (page_url, _),
    ):
        yield TwoDoors(api_url, page_url)


async def _register(app: FastAPI, doors: TwoDoors, pki: Pki, *, with_cert: bool) -> None:
    given = service.CustodianIn(
        utility_id=UTILITY,
        name="Sandbox Green Button",
        oauth_client_id=CLIENT_ID,
        client_secret=CLIENT_SECRET,
        authorization_endpoint=f"{doors.page_url}/oauth/authorize",
        token_endpoint=f"{doors.api_url}/oauth/token",
        resource_endpoint=f"{doors.api_url}/espi/1_1/resource",
        scope=SCOPE,
        client_cert_file=str(pki.client_cert) if with_cert else None,
        client_key_file=str(pki.client_key) if with_cert else None,
    )
    async with app.state.db.transaction() as session:
        await service.add_custodian(session, app.state.clock, LiveRing(app.state.vault.keys), given)


async def test_with_its_client_certificate_the_whole_flow_works(
    app: FastAPI, api: httpx.AsyncClient, custodian_mtls: TwoDoors, pki: Pki
) -> None:
    await _register(app, custodian_mtls, pki, with_cert=True)
    client = await make_client(app)
    attempt = await authorize(api, await widget_session(api, client))
    assert attempt["status"] == "verified", attempt
    body = await wait_until_synced(api, client, attempt["utility_credential_id"])
    assert (body["method"], body["status"]) == ("green_button", "verified")


async def test_without_it_the_custodian_does_not_even_answer(
    app: FastAPI, api: httpx.AsyncClient, custodian_mtls: TwoDoors, pki: Pki
) -> None:
    # The test's own client, without a certificate, is refused at the handshake too.
    async with httpx.AsyncClient() as plain:
        with pytest.raises(httpx.TransportError):
            await plain.post(f"{custodian_mtls.api_url}/oauth/token")
    await _register(app, custodian_mtls, pki, with_cert=False)
    client = await make_client(app)
    attempt = await authorize(api, await widget_session(api, client))
    assert (attempt["status"], attempt["status_detail"]) == ("error", "UTILITY_UNAVAILABLE")
    assert await count(app, UtilityCredential, status="verified") == 0
