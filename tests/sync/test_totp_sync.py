"""A sync signs in with the authenticator key sealed with the credential (password_totp)."""

from __future__ import annotations

import httpx
from fastapi import FastAPI

from gridlink.kit.vault import Owner
from tests.factories import make_client
from tests.sync.helpers import listed, verify, wait_for_event, wait_until_synced


async def test_syncs_sign_in_with_the_stored_key(app: FastAPI, api: httpx.AsyncClient) -> None:
    client = await make_client(app)
    credential_id = await verify(
        api, client, utility_id="sandbox_authenticator", totp_secret="GRIDLINKSANDBOX2"
    )
    synced = await wait_until_synced(api, client, credential_id)
    assert synced["status"] == "verified", synced
    assert await listed(api, client, "/v1/utility_meters", utility_credential_id=credential_id)

    # The end user set the app up again at the utility: the key Gridlink holds stops working,
    # and the next sync's sign-in says so.
    async with app.state.db.transaction() as session:
        await app.state.vault.seal(
            session,
            owner=Owner(client.id, credential_id),
            field="totp_secret",
            plaintext=b"JBSWY3DPEHPK3PXP",
        )
    refresh = await api.post(f"/v1/utility_credentials/{credential_id}/refresh", auth=client.auth)
    assert refresh.status_code == 202, refresh.text
    [revoked] = await wait_for_event(api, client, credential_id, "utility_credential_revoked")
    assert revoked["data"]["status_detail"] == "INVALID_CREDENTIALS"
