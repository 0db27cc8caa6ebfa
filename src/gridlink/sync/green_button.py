"""One sync of a Connect My Data credential (method ``green_button``).

Instead of a connector's sign-in and chunked reads: refresh the access token when it is about
to expire (the new tokens are sealed at once, in their own step: a custodian that rotates
refresh tokens accepts the old one no more), fetch the subscription's feed published since the
last run (``published-min``/``published-max``, the window overlapping the previous one by
``OVERLAP`` so an entry published late on the custodian's clock is not missed), parse it in a
worker thread and store it through the same code as a Green Button file (uploads/service.py),
with the window's end as the checkpoint in the same transaction. A refused refresh
(``invalid_grant``) or a feed refused after a fresh token is ``AuthorizationRevoked``: the
sync's reaction makes the credential ``rejected`` and sends ``utility_credential_revoked``.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from gridlink.connectors.errors import AuthorizationRevoked
from gridlink.credentials.methods import CredentialMethod
from gridlink.custodians.client import MAX_FEED_BYTES, CustodianClient, CustodianConfig, open_client
from gridlink.custodians.grants import config_of, keep_tokens, open_tokens
from gridlink.custodians.repository import CustodianRepository
from gridlink.custodians.tokens import TokenSet
from gridlink.sync.checkpoint import copied, iso, moment
from gridlink.sync.repository import SyncRepository
from gridlink.uploads import service as files_service
from gridlink.uploads.reading import Upload, parse_upload
from gridlink.uploads.utilities import zone_of

if TYPE_CHECKING:
    from gridlink.sync.flow import SyncRun

OVERLAP = timedelta(hours=1)
NOT_SET_UP = "This utility's Green Button Connect is no longer set up here."
FEED_NAME = "the utility's Green Button feed"


async def is_green_button(run: SyncRun) -> bool:
    async with run.runner.db.transaction(write=False) as session:
        sync = await SyncRepository(session).owned(run.sync_id, run.runner.worker_id)
        if sync is None:
            return False
        credential = await SyncRepository(session).credential(sync.credential_id)
        return credential is not None and credential.method == CredentialMethod.GREEN_BUTTON


class GreenButtonRun:
    def __init__(self, run: SyncRun) -> None:
        self.run = run
        self.custodian_id = ""
        self.resource_uri = ""
        self.zone: str | None = None
        self.user_id = ""
        self.utility_id = ""

    async def sync(self) -> None:
        loaded = await self._load()
        if loaded is None:
            return
        config, tokens = loaded
        run = self.run
        until = run.runner.clock.now()
        since = moment(run.ck.get("published_until"))
        async with open_client(config, run.runner.clock) as client:
            fresh = False
            if tokens.needs_refresh(run.runner.clock.now()):
                tokens, fresh = await self._refresh(client, tokens), True
            try:
                body = await client.feed(self.resource_uri, tokens, window_start(since), until)
            except AuthorizationRevoked:
                if fresh:
                    raise
                # An access token can end before its stated expiry: refresh once and retry.
                tokens = await self._refresh(client, tokens)
                body = await client.feed(self.resource_uri, tokens, window_start(since), until)
        upload = Upload({}, body, FEED_NAME)
        parsed = await parse_upload(upload, self.zone, MAX_FEED_BYTES)
        async with run._owned() as (session, sync):
            credential = await run._credential(session)
            if parsed.reading_count or parsed.statements:
                target = files_service.Target(
                    credential.client_id,
                    credential.user_id,
                    credential.utility_id,
                    credential.id,
                    method=CredentialMethod.GREEN_BUTTON,
                )
                await files_service.store_file(
                    session, run.runner.clock, run.runner.files, target, parsed
                )
            run.ck["published_until"] = iso(until)
            run._save(sync)
        await run._finish()

    async def _load(self) -> tuple[CustodianConfig, TokenSet] | None:
        run = self.run
        async with run._owned() as (session, sync):
            credential = await SyncRepository(session).credential(sync.credential_id)
            if credential is None or credential.status != "verified":
                sync.state = "stopped"
                sync.lease_owner = sync.lease_expires_at = None
                return None
            run.ck = copied(sync.checkpoint)
            run.credential_id = credential.id
            run.client_id = credential.client_id
            run.client_user_id = await SyncRepository(session).client_user_id(credential.user_id)
            repo = CustodianRepository(session)
            grant = await repo.grant(credential.id)
            custodian = None if grant is None else await repo.get(grant.custodian_id)
            if grant is None or custodian is None:
                raise AuthorizationRevoked(NOT_SET_UP)
            self.custodian_id, self.resource_uri = custodian.id, grant.resource_uri
            self.zone = await zone_of(session, credential.utility_id)
            return config_of(run.runner.vault, custodian), await open_tokens(
                session, run.runner.vault, credential
            )

    async def _refresh(self, client: CustodianClient, tokens: TokenSet) -> TokenSet:
        fresh = await client.refresh(tokens)
        async with self.run._owned() as (session, _sync):
            credential = await self.run._credential(session)
            runner = self.run.runner
            await keep_tokens(
                session, runner.clock, runner.vault, credential, self.custodian_id, fresh
            )
        return fresh


def window_start(since: datetime | None) -> datetime | None:
    return None if since is None else since - OVERLAP
