"""The operator's registrations with Data Custodians (``gridlink green-button``): one per
utility. A registration turns on Connect My Data for that utility: Connect offers
``green_button`` for it (utilities/service.py ``connection_methods``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.config import is_loopback_host
from gridlink.custodians.repository import CustodianRepository
from gridlink.custodians.sealing import seal_client_secret
from gridlink.errors import Conflict, InvalidRequest, NotFound
from gridlink.kit.clock import Clock
from gridlink.kit.ids import new_id
from gridlink.kit.keyring import Ring
from gridlink.models import GreenButtonCustodian, Utility


@dataclass(frozen=True)
class CustodianIn:
    utility_id: str
    name: str
    oauth_client_id: str
    client_secret: str | None
    authorization_endpoint: str
    token_endpoint: str
    resource_endpoint: str
    scope: str
    pkce: bool = True
    client_cert_file: str | None = None
    client_key_file: str | None = None

    def __repr__(self) -> str:  # never the secret
        return f"CustodianIn({self.utility_id!r}, {self.oauth_client_id!r})"


def check_endpoint(name: str, url: str) -> str:
    """https, or http to a loopback address (a local custodian in tests and the sandbox)."""
    parts = urlsplit(url)
    if parts.scheme == "https" and parts.hostname:
        return url
    if parts.scheme == "http" and parts.hostname and is_loopback_host(parts.hostname):
        return url
    raise InvalidRequest(
        f"{name} must be an https URL (http only to localhost or a loopback address).",
        fields=[name],
    )


def _check_files(given: CustodianIn) -> None:
    if given.client_key_file is not None and given.client_cert_file is None:
        raise InvalidRequest("A client key needs its certificate (--client-cert).")
    for name, path in (
        ("client_cert_file", given.client_cert_file),
        ("client_key_file", given.client_key_file),
    ):
        if path is not None and not Path(path).is_file():
            raise InvalidRequest(f"{name} {path!r} is not a readable file.", fields=[name])


async def add_custodian(
    session: AsyncSession, clock: Clock, ring: Ring, given: CustodianIn, *, replace: bool = False
) -> GreenButtonCustodian:
    if await session.get(Utility, given.utility_id) is None:
        raise NotFound(
            f"No utility {given.utility_id!r} in the catalog; find its id with "
            "GET /v1/utilities or `gridlink utilities import-eia`."
        )
    for name in ("authorization_endpoint", "token_endpoint", "resource_endpoint"):
        check_endpoint(name, getattr(given, name))
    if not given.scope.strip():
        raise InvalidRequest("Give the scope string the custodian registered you with.")
    _check_files(given)
    repo = CustodianRepository(session)
    now = clock.now()
    custodian = await repo.for_utility(given.utility_id)
    if custodian is not None and not replace:
        raise Conflict(f"{given.utility_id} already has a custodian; pass --replace to change it.")
    if custodian is None:
        custodian = GreenButtonCustodian(
            id=new_id("gbc"), utility_id=given.utility_id, created_at=now
        )
        session.add(custodian)
    custodian.name = given.name
    custodian.oauth_client_id = given.oauth_client_id
    custodian.client_secret_sealed = (
        seal_client_secret(ring, custodian.id, given.client_secret) if given.client_secret else None
    )
    custodian.authorization_endpoint = given.authorization_endpoint
    custodian.token_endpoint = given.token_endpoint
    custodian.resource_endpoint = given.resource_endpoint.rstrip("/")
    custodian.scope = given.scope.strip()
    custodian.pkce = given.pkce
    custodian.client_cert_file = given.client_cert_file
    custodian.client_key_file = given.client_key_file
    custodian.updated_at = now
    await session.flush()
    return custodian


async def remove_custodian(session: AsyncSession, utility_id: str) -> None:
    """Remove a registration. Its Connect My Data credentials lose their grants (they stop
    syncing: the sync finds no custodian and rejects them as revoked)."""
    repo = CustodianRepository(session)
    custodian = await repo.for_utility(utility_id)
    if custodian is None:
        raise NotFound(f"{utility_id} has no custodian.")
    await repo.remove(custodian)


async def list_custodians(session: AsyncSession) -> list[GreenButtonCustodian]:
    return list(await CustodianRepository(session).every())


async def utility_name(session: AsyncSession, utility_id: str) -> str | None:
    utility = await session.get(Utility, utility_id)
    return utility.name if utility is not None else None
