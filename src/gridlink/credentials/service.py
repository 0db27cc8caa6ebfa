"""Utility credentials over the API: list, read, and revoke (delete with their secrets).

Deleting a credential destroys its vault record (crypto-shredding: its data key goes, so any
copy of the ciphertext, in a backup say, can no longer be opened) and the records of its
connection attempts (the MFA codes they relayed), then the row; its utility accounts, connect
links, connect sessions and attempts go with it (ON DELETE CASCADE).
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.auth.service import AuthenticatedClient
from gridlink.credentials.repository import CredentialRepository, CredentialView
from gridlink.credentials.schemas import CredentialFilters, UtilityCredentialOut, UtilityRef
from gridlink.errors import NotFound
from gridlink.kit.ids import looks_like_id
from gridlink.kit.pagination import Page, PageParams, build_page
from gridlink.kit.vault import Owner, Vault
from gridlink.sync.view import sync_out

CREDENTIAL_NOT_FOUND = (
    "No utility credential with this id. Check the utility_credential_id you stored from "
    "onSuccess or the utility_credential_verified webhook; list them with "
    "GET /v1/utility_credentials."
)


def to_out(view: CredentialView) -> UtilityCredentialOut:
    row = view.credential
    return UtilityCredentialOut(
        id=row.id,
        client_user_id=view.client_user_id,
        utility=UtilityRef(id=row.utility_id, name=view.utility_name),
        method=row.method,
        status=row.status,
        status_detail=row.status_detail,
        action_required=row.action_required,
        mfa_session_expires_at=row.mfa_session_expires_at,
        last_synced_at=row.last_synced_at,
        verified_at=row.verified_at,
        created_at=row.created_at,
        updated_at=row.updated_at,
        sync=sync_out(view.sync, row.status, row.last_synced_at),
    )


async def list_credentials(
    session: AsyncSession,
    client: AuthenticatedClient,
    filters: CredentialFilters,
    params: PageParams,
) -> Page[UtilityCredentialOut]:
    views = await CredentialRepository(session).page(client.id, filters, params.after, params.limit)
    return build_page([to_out(v) for v in views], [v.credential.id for v in views], params.limit)


async def get_credential(
    session: AsyncSession, client: AuthenticatedClient, credential_id: str
) -> UtilityCredentialOut:
    view = None
    if looks_like_id(credential_id):
        view = await CredentialRepository(session).view(client.id, credential_id)
    if view is None:
        raise NotFound(CREDENTIAL_NOT_FOUND)
    return to_out(view)


async def find_credential_id(
    session: AsyncSession, client: AuthenticatedClient, credential_id: str
) -> str:
    """``credential_id`` if it is one of the client's credentials; else NotFound (unknown,
    malformed and foreign ids alike)."""
    found = None
    if looks_like_id(credential_id):
        found = await CredentialRepository(session).get_for_client(client.id, credential_id)
    if found is None:
        raise NotFound(CREDENTIAL_NOT_FOUND)
    return found.id


async def shred_secrets(
    session: AsyncSession, vault: Vault, client_id: str, credential_ids: Sequence[str]
) -> None:
    """Destroy the vault records of these credentials and of their connection attempts. Call
    before deleting the rows (the attempts cascade away with them)."""
    attempt_ids = await CredentialRepository(session).attempt_ids(credential_ids)
    for record_id in [*credential_ids, *attempt_ids]:
        await vault.destroy(session, Owner(client_id, record_id))


async def shred_user_secrets(
    session: AsyncSession, vault: Vault, client_id: str, user_id: str
) -> None:
    """Destroy the vault records of every credential of one end user (before deleting it)."""
    credential_ids = await CredentialRepository(session).lock_ids(client_id, user_id=user_id)
    await shred_secrets(session, vault, client_id, credential_ids)


async def delete_credential(
    session: AsyncSession, vault: Vault, client: AuthenticatedClient, credential_id: str
) -> None:
    """Revoke the credential: its secrets, then the row. Idempotent: an unknown, already
    deleted or foreign id changes nothing and is not an error."""
    if not looks_like_id(credential_id):
        return
    repo = CredentialRepository(session)
    ids = await repo.lock_ids(client.id, credential_id=credential_id)
    if not ids:
        return
    await shred_secrets(session, vault, client.id, ids)
    await repo.delete(client.id, credential_id)
