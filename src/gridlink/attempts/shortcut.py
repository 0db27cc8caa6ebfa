"""The sandbox shortcut: one call runs the same attempt the widget would, for integrators' CI
(like Plaid's /sandbox/public_token/create). Each step is its own transaction, so the worker
(in this process or another) sees the attempt as soon as it is submitted."""

from __future__ import annotations

from typing import Any

from gridlink.attempts import service as attempts
from gridlink.attempts.repository import TERMINAL
from gridlink.attempts.schemas import AttemptOut, CredentialsIn
from gridlink.attempts.shortcut_schemas import SandboxCredentialIn, SandboxCredentialOut
from gridlink.auth.service import AuthenticatedClient
from gridlink.connect import sessions
from gridlink.credentials.repository import CredentialRepository
from gridlink.errors import NO_SUCH_ENDPOINT, InvalidRequest, NotFound
from gridlink.kit.clock import Clock
from gridlink.kit.db import Database
from gridlink.kit.vault import Vault
from gridlink.users.repository import UserRepository
from gridlink.utilities.catalog import find_visible

ROUNDS = 10


async def run(
    db: Database,
    clock: Clock,
    vault: Vault,
    client: AuthenticatedClient,
    body: SandboxCredentialIn,
    wait_seconds: float,
) -> SandboxCredentialOut:
    if client.environment != "sandbox":
        raise NotFound(NO_SUCH_ENDPOINT)
    async with db.transaction() as session:
        if await find_visible(session, body.utility_id, client.environment) is None:
            raise InvalidRequest(
                "Unknown sandbox utility_id; list them with GET /v1/utilities.",
                fields=["utility_id"],
            )
        now = clock.now()
        user = await UserRepository(session).get_or_create(client.id, body.client_user_id, now)
        spec = sessions.SessionSpec(
            client_id=client.id,
            user_id=user.id,
            mode="create",
            utility_id=body.utility_id,
            credential_id=None,
            products=["accounts", "statements", "intervals"],
            language=None,
            redirect_uri=None,
            expires_at=now + sessions.LINK_SESSION_TTL,
        )
        row, _bearer = await sessions.create_session(session, clock, spec, client.environment)
        row.consent_version = "sandbox-shortcut"
        row.consented_at = now
        context = sessions.SessionContext(row, client.name, client.environment, 0)
        attempt = await attempts.submit(
            session,
            clock,
            vault,
            context,
            CredentialsIn(
                username=body.username, password=body.password, totp_secret=body.totp_secret
            ),
        )
    attempt = await _drive(db, clock, vault, context, attempt, body, wait_seconds)
    return SandboxCredentialOut(
        utility_credential_id=attempt.utility_credential_id,
        client_user_id=body.client_user_id,
        utility_id=body.utility_id,
        status=await _credential_status(db, client.id, attempt.utility_credential_id),
        attempt=attempt,
    )


async def _drive(
    db: Database,
    clock: Clock,
    vault: Vault,
    context: sessions.SessionContext,
    attempt: AttemptOut,
    body: SandboxCredentialIn,
    wait_seconds: float,
) -> AttemptOut:
    code_sent = False
    for _ in range(ROUNDS):
        attempt = await attempts.wait_for_change(
            db, context.row.id, attempt.id, attempt.seq, wait_seconds
        )
        if attempt.status in TERMINAL:
            return attempt
        if attempt.status == "mfa_method" and attempt.mfa is not None:
            option = next(
                (o for o in attempt.mfa.options if o.method == (body.mfa_method or o.method)),
                None,
            )
            if option is None:
                break
            async with db.transaction() as session:
                attempt = await attempts.choose_mfa_option(
                    session, clock, context, attempt.id, option.id
                )
        elif attempt.status == "mfa_code":
            if body.mfa_code is None or code_sent:
                break  # the code is missing or was wrong: nothing more to try
            async with db.transaction() as session:
                attempt = await attempts.submit_code(
                    session, clock, vault, context, attempt.id, body.mfa_code
                )
            code_sent = True
    async with db.transaction() as session:  # give up: end the attempt rather than leave it
        await attempts.cancel(session, clock, context)
    return await attempts.wait_for_change(db, context.row.id, attempt.id, attempt.seq, wait_seconds)


async def _credential_status(db: Database, client_id: str, credential_id: str) -> dict[str, Any]:
    async with db.transaction(write=False) as session:
        credential = await CredentialRepository(session).get_for_client(client_id, credential_id)
    assert credential is not None
    return {
        "status": credential.status,
        "status_detail": credential.status_detail,
        "action_required": credential.action_required,
    }
