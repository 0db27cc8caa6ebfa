"""What a Connect My Data credential holds: its tokens (sealed) and its grant row."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.custodians.client import CustodianConfig
from gridlink.custodians.repository import CustodianRepository
from gridlink.custodians.sealing import open_client_secret
from gridlink.custodians.tokens import VAULT_FIELD, TokenSet
from gridlink.kit.clock import Clock
from gridlink.kit.keyring import LiveRing
from gridlink.kit.vault import Owner, Vault
from gridlink.models import GreenButtonCustodian, GreenButtonGrant, UtilityCredential


def config_of(custodian: GreenButtonCustodian, secret: str | None = None) -> CustodianConfig:
    """The registration, with ``secret`` (None: without it, enough for the authorization URL)."""
    return CustodianConfig(
        oauth_client_id=custodian.oauth_client_id,
        client_secret=secret,
        authorization_endpoint=custodian.authorization_endpoint,
        token_endpoint=custodian.token_endpoint,
        resource_endpoint=custodian.resource_endpoint,
        scope=custodian.scope,
        pkce=custodian.pkce,
        client_cert_file=custodian.client_cert_file,
        client_key_file=custodian.client_key_file,
    )


def opened_config(vault: Vault, custodian: GreenButtonCustodian) -> CustodianConfig:
    """The registration with its client secret opened (workers only: an API process of a
    split deployment cannot open it)."""
    secret = None
    if custodian.client_secret_sealed is not None:
        ring = LiveRing(vault.keys)
        secret = open_client_secret(ring, custodian.id, custodian.client_secret_sealed)
    return config_of(custodian, secret)


async def keep_tokens(
    session: AsyncSession,
    clock: Clock,
    vault: Vault,
    credential: UtilityCredential,
    custodian_id: str,
    tokens: TokenSet,
) -> GreenButtonGrant:
    """Seal ``tokens`` for the credential and record its grant, in the caller's transaction.
    A refresh answer without ``resourceURI`` keeps the stored one."""
    await vault.seal(
        session,
        owner=Owner(credential.client_id, credential.id),
        field=VAULT_FIELD,
        plaintext=tokens.sealed_form(),
    )
    repo = CustodianRepository(session)
    now = clock.now()
    grant = await repo.grant(credential.id)
    if grant is None:
        assert tokens.resource_uri is not None  # an exchange always names it (client.py)
        grant = GreenButtonGrant(
            credential_id=credential.id,
            custodian_id=custodian_id,
            resource_uri=tokens.resource_uri,
            created_at=now,
        )
        session.add(grant)
    grant.custodian_id = custodian_id
    if tokens.resource_uri is not None:
        grant.resource_uri = tokens.resource_uri
    if tokens.authorization_uri is not None:
        grant.authorization_uri = tokens.authorization_uri
    grant.access_expires_at = tokens.expires_at
    grant.updated_at = now
    await session.flush()
    return grant


async def open_tokens(
    session: AsyncSession, vault: Vault, credential: UtilityCredential
) -> TokenSet:
    value = await vault.open(
        session, owner=Owner(credential.client_id, credential.id), field=VAULT_FIELD
    )
    return TokenSet.from_sealed(value)
