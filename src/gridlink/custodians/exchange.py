"""The worker's half of a Connect My Data authorization: exchange the code the callback
sealed for tokens, then verify the credential as a sign-in does (attempts/outcomes.py), with
its tokens sealed and its grant recorded in the same transaction.

The code and the PKCE verifier are opened and their vault record destroyed in one
transaction before the custodian is called: a code is used once, whatever happens next.
"""

from __future__ import annotations

import contextlib
from typing import TYPE_CHECKING

from gridlink.attempts import outcomes
from gridlink.attempts.endings import AttemptGone
from gridlink.attempts.repository import AttemptRepository
from gridlink.connectors.errors import AuthorizationRevoked
from gridlink.custodians.authorization import CODE_FIELD, VERIFIER_FIELD
from gridlink.custodians.client import open_client
from gridlink.custodians.grants import keep_tokens, opened_config
from gridlink.custodians.repository import CustodianRepository
from gridlink.kit.vault import Owner, SealedValueMissing

if TYPE_CHECKING:
    from gridlink.attempts.runner import AttemptRunner

NOT_SET_UP = "This utility's Green Button Connect is no longer set up here."
CODE_REFUSED = "The utility did not accept the authorization. Start again from Connect."


async def exchange_code(runner: AttemptRunner, attempt_id: str) -> None:
    """Raises a connector error (the attempt's execution ends the attempt with it)."""
    vault, clock = runner.vault, runner.clock
    async with runner.db.transaction() as session:
        attempt = await AttemptRepository(session).get(attempt_id)
        repo = CustodianRepository(session)
        trip = await repo.authorization_of_attempt(attempt_id)
        if attempt is None or trip is None:
            raise AttemptGone
        custodian = await repo.get(trip.custodian_id)
        if custodian is None:
            raise AuthorizationRevoked(NOT_SET_UP)
        owner = Owner(trip.client_id, trip.id)
        try:
            code = (await vault.open(session, owner=owner, field=CODE_FIELD)).decode()
        except SealedValueMissing:
            raise AuthorizationRevoked(CODE_REFUSED) from None
        verifier = None
        with contextlib.suppress(SealedValueMissing):
            verifier = (await vault.open(session, owner=owner, field=VERIFIER_FIELD)).decode()
        await vault.destroy(session, owner)
        config = opened_config(vault, custodian)
        custodian_id, redirect_uri = custodian.id, trip.redirect_uri
    async with open_client(config, clock) as client:
        try:
            tokens = await client.exchange(code, verifier, redirect_uri)
        except AuthorizationRevoked as refused:
            raise AuthorizationRevoked(
                refused.message if refused.message != refused.default_message else CODE_REFUSED
            ) from None
    async with runner.db.transaction() as session:
        attempt = await AttemptRepository(session).get(attempt_id)
        if attempt is None:
            raise AttemptGone
        await outcomes.verified(session, clock, vault, attempt, token=None, accounts=())
        if attempt.status != "verified":
            return  # the session ended or the credential went meanwhile: keep nothing
        credential = await AttemptRepository(session).credential(attempt.credential_id)
        assert credential is not None
        await keep_tokens(session, clock, vault, credential, custodian_id, tokens)
