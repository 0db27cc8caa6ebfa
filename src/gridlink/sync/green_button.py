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

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.connectors.errors import AuthorizationRevoked
from gridlink.credentials.methods import CredentialMethod
from gridlink.custodians.client import MAX_FEED_BYTES, CustodianClient, CustodianConfig, open_client
from gridlink.custodians.grants import keep_tokens, open_tokens, opened_config
from gridlink.custodians.repository import CustodianRepository
from gridlink.custodians.tokens import TokenSet
from gridlink.kit.vault import Vault
from gridlink.models import UtilityCredential
from gridlink.sync.checkpoint import iso, moment
from gridlink.uploads import service as files_service
from gridlink.uploads.reading import Upload, parse_upload
from gridlink.uploads.utilities import zone_of

if TYPE_CHECKING:
    from gridlink.sync.flow import SyncRun

OVERLAP = timedelta(hours=1)
NOT_SET_UP = "This utility's Green Button Connect is no longer set up here."
FEED_NAME = "the utility's Green Button feed"


@dataclass(frozen=True)
class Feed:
    """What a run reads the subscription with (loaded in the run's first step)."""

    config: CustodianConfig
    tokens: TokenSet
    custodian_id: str
    resource_uri: str
    zone: str | None


async def load(session: AsyncSession, vault: Vault, credential: UtilityCredential) -> Feed:
    repo = CustodianRepository(session)
    grant = await repo.grant(credential.id)
    custodian = None if grant is None else await repo.get(grant.custodian_id)
    if grant is None or custodian is None:
        raise AuthorizationRevoked(NOT_SET_UP)
    return Feed(
        config=opened_config(vault, custodian),
        tokens=await open_tokens(session, vault, credential),
        custodian_id=custodian.id,
        resource_uri=grant.resource_uri,
        zone=await zone_of(session, credential.utility_id),
    )


class GreenButtonRun:
    def __init__(self, run: SyncRun, feed: Feed) -> None:
        self.run = run
        self.feed = feed

    async def sync(self) -> None:
        run, feed = self.run, self.feed
        tokens = feed.tokens
        until = run.runner.clock.now()
        since = moment(run.ck.get("published_until"))
        async with open_client(feed.config, run.runner.clock) as client:
            fresh = False
            if tokens.needs_refresh(run.runner.clock.now()):
                tokens, fresh = await self._refresh(client, tokens), True
            try:
                body = await client.feed(feed.resource_uri, tokens, window_start(since), until)
            except AuthorizationRevoked:
                if fresh:
                    raise
                # An access token can end before its stated expiry: refresh once and retry.
                tokens = await self._refresh(client, tokens)
                body = await client.feed(feed.resource_uri, tokens, window_start(since), until)
        upload = Upload({}, body, FEED_NAME)
        parsed = await parse_upload(upload, feed.zone, MAX_FEED_BYTES)
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

    async def _refresh(self, client: CustodianClient, tokens: TokenSet) -> TokenSet:
        fresh = await client.refresh(tokens)
        async with self.run._owned() as (session, _sync):
            credential = await self.run._credential(session)
            runner = self.run.runner
            await keep_tokens(
                session, runner.clock, runner.vault, credential, self.feed.custodian_id, fresh
            )
        return fresh


def window_start(since: datetime | None) -> datetime | None:
    return None if since is None else since - OVERLAP
