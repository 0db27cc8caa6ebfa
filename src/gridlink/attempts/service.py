"""Connection attempts as the widget (and the sandbox shortcut) sees them.

The API side only records what the end user did: credentials (sealed in the vault under the
attempt's id), an MFA option, a code (sealed too). The worker holding the utility session does
the rest (attempts/execution.py) and bumps ``seq``; ``wait_for_change`` long-polls on it.
"""

from __future__ import annotations

import asyncio
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.attempts import limits
from gridlink.attempts.repository import RUNNING, TERMINAL, AttemptRepository
from gridlink.attempts.schemas import (
    AccountOut,
    AttemptOut,
    CompletionOut,
    CredentialsIn,
    MfaOptionOut,
    MfaOut,
)
from gridlink.auth.service import new_authorization_code
from gridlink.connect.sessions import (
    SessionContext,
    failed_logins_of_source,
    lock_source,
    require_open,
)
from gridlink.connectors.metadata import SignInKind
from gridlink.errors import AttemptFinished, Conflict, InvalidRequest, InvalidTotpSecret, NotFound
from gridlink.kit.clock import Clock
from gridlink.kit.db import Database
from gridlink.kit.ids import new_id
from gridlink.kit.totp import VAULT_FIELD as TOTP_FIELD
from gridlink.kit.totp import NotATotpSecret, normalize_totp_secret
from gridlink.kit.vault import Owner, Vault
from gridlink.kit.wakeup import Waiter, announce
from gridlink.models import ConnectionAttempt, Utility, UtilityCredential
from gridlink.utilities.catalog import find_visible
from gridlink.utilities.methods import offered

WORK_CHANNEL = "gridlink_attempts"  # new attempts and new input for the workers
UPDATE_CHANNEL = "gridlink_attempt"  # + ":<attempt id>": that attempt changed (long-polls)
POLL_SECONDS = 0.25  # cross-process fallback; in-process changes wake waiters at once

ATTEMPT_NOT_FOUND = "No such attempt in this Connect session."
# Input kinds that end an attempt: CLOSE when Connect is closed (the attempt ends as a timeout,
# as if the end user had not answered); BACK when they went back to sign in again (``cancelled``).
CLOSE = "cancel"
BACK = "back"


def update_channel(attempt_id: str) -> str:
    """One wake-up channel per attempt, so a change wakes only the widgets following it."""
    return f"{UPDATE_CHANNEL}:{attempt_id}"


def masked_account(number: str) -> str:
    return "****" + number[-4:] if len(number) > 4 else number


async def submit(
    session: AsyncSession,
    clock: Clock,
    vault: Vault,
    context: SessionContext,
    body: CredentialsIn,
    *,
    ip: str | None = None,
    ceilings: limits.Ceilings | None = None,
) -> AttemptOut:
    """Record a sign-in for the worker, after the abuse limits (attempts/limits.py). ``ip``:
    the end user's address (None when a backend calls, as the sandbox shortcut)."""
    require_open(context)
    row = context.row
    if row.mode == "create" and row.consented_at is None:
        raise Conflict("Consent comes first: the end user must accept before signing in.")
    if row.utility_id is None:
        raise Conflict("Choose a utility before signing in.")
    utility = await find_visible(session, row.utility_id, context.environment)
    if utility is None or utility.connector_id is None or utility.status == "unsupported":
        raise Conflict(
            "Gridlink cannot connect to this utility yet; the app has been told you tried."
        )
    if not await offered(session, utility, row.client_id, "login"):
        raise Conflict("The app does not connect this utility by sign-in; use another way.")
    repo = AttemptRepository(session)
    await lock_source(session, row)
    if await repo.unfinished_in_session(row.id) is not None:
        raise Conflict("A sign-in is already in progress in this session; wait for it.")
    if (row.connect_token_id or row.connect_link_id) and await repo.unfinished_from_source(
        token_id=row.connect_token_id, link_id=row.connect_link_id
    ):
        raise Conflict(
            "A sign-in is already in progress in another Connect window; finish it there, or "
            "wait for it to end."
        )
    if await repo.verified_in_session(row.id):
        raise Conflict("A utility account was already connected in this session.")
    new_login = body.username is not None or body.password is not None
    if new_login and (body.username is None or body.password is None):
        raise InvalidRequest(
            "Enter both your username and your password.", fields=["username", "password"]
        )
    if not new_login and row.mode != "update":
        raise InvalidRequest("Enter your username and password.", fields=["username", "password"])
    totp_secret = _totp_secret(body, utility, new_login and row.mode == "create")
    now = clock.now()
    new_hash = limits.username_hash(row.utility_id, body.username) if body.username else None
    login_hash = new_hash
    if login_hash is None and row.credential_id is not None:  # update mode: the stored login
        stored = await repo.credential(row.credential_id)
        login_hash = stored.username_hash if stored is not None else None
    ip = (ip or "")[:64] or None
    who = limits.SignIn(
        row.client_id, row.user_id, row.utility_id, login_hash, ip, context.environment == "live"
    )
    source_failures = await failed_logins_of_source(session, row)
    await limits.check_sign_in(session, who, source_failures, now, ceilings or limits.Ceilings())
    credential = await _credential_for(repo, context, new_hash, now)
    attempt = ConnectionAttempt(
        id=new_id("att"),
        client_id=row.client_id,
        session_id=row.id,
        credential_id=credential.id,
        utility_id=row.utility_id,
        mode=row.mode,
        new_login=new_login,
        client_ip=ip,
        status="queued",
        seq=1,
        input_seq=0,
        created_at=now,
        updated_at=now,
    )
    await repo.add(attempt)
    if new_login:
        assert body.username is not None
        assert body.password is not None
        owner = Owner(row.client_id, attempt.id)
        await vault.seal(session, owner=owner, field="username", plaintext=body.username.encode())
        await vault.seal(session, owner=owner, field="password", plaintext=body.password.encode())
    if totp_secret is not None:  # the worker prefers it to the credential's, and keeps it
        owner = Owner(row.client_id, attempt.id)
        await vault.seal(session, owner=owner, field=TOTP_FIELD, plaintext=totp_secret.encode())
    await announce(session, WORK_CHANNEL)
    return await view(session, attempt)


def _totp_secret(body: CredentialsIn, utility: Utility, required: bool) -> str | None:
    """The authenticator key of this sign-in, normalized; None to keep the stored one. A
    ``password_totp`` utility needs one with every new login in create mode (update mode keeps
    the stored key unless a new one comes); other utilities take none."""
    if SignInKind.PASSWORD_TOTP not in utility.sign_in_kinds:
        if body.totp_secret is not None:
            raise InvalidRequest(
                "This utility does not sign in with an authenticator app: omit totp_secret.",
                fields=["totp_secret"],
            )
        return None
    if body.totp_secret is None:
        if required:
            raise InvalidRequest(
                "This utility verifies sign-ins with an authenticator app: enter its setup "
                "key (totp_secret) with your username and password.",
                fields=["totp_secret"],
            )
        return None
    try:
        return normalize_totp_secret(body.totp_secret)
    except NotATotpSecret as error:
        raise InvalidTotpSecret(str(error)) from None


async def _credential_for(
    repo: AttemptRepository, context: SessionContext, login_hash: str | None, now: datetime
) -> UtilityCredential:
    """The credential this attempt works on. Update mode: the session's. Create mode: an
    existing one for the same login (never a duplicate); else the one an earlier sign-in of
    this session made, if it was never verified (a retry after a typo); else a new pending one.
    A different login never lands on a verified credential here."""
    row = context.row
    if row.mode == "update":
        assert row.credential_id is not None
        credential = await repo.credential(row.credential_id)
        assert credential is not None
        return credential
    assert row.utility_id is not None
    if login_hash is not None:
        existing = await repo.credential_for_login(row.user_id, row.utility_id, login_hash)
        if existing is not None:
            row.credential_id = existing.id
            return existing
    if row.credential_id is not None:
        earlier = await repo.credential(row.credential_id)
        if earlier is not None and earlier.verified_at is None:
            return earlier
    credential = UtilityCredential(
        id=new_id("ucr"),
        client_id=row.client_id,
        user_id=row.user_id,
        utility_id=row.utility_id,
        status="pending",
        status_detail=None,
        action_required=False,
        username_hash=login_hash,
        created_at=now,
        updated_at=now,
    )
    await repo.add_credential(credential)
    row.credential_id = credential.id
    return credential


async def _running(
    session: AsyncSession, context: SessionContext, attempt_id: str, expected: tuple[str, ...]
) -> ConnectionAttempt:
    require_open(context)
    attempt = await AttemptRepository(session).for_session(context.row.id, attempt_id)
    if attempt is None:
        raise NotFound(ATTEMPT_NOT_FOUND)
    if attempt.status not in expected:
        raise Conflict(
            f"This step is not expected now (the sign-in is {attempt.status}); refresh Connect."
        )
    return attempt


async def _record_input(
    session: AsyncSession,
    attempt: ConnectionAttempt,
    kind: str,
    option_id: str | None,
    clock: Clock,
) -> AttemptOut:
    attempt.input_kind = kind
    attempt.input_option_id = option_id
    attempt.input_seq += 1
    attempt.updated_at = clock.now()
    await announce(session, WORK_CHANNEL)
    return await view(session, attempt)


async def choose_mfa_option(
    session: AsyncSession, clock: Clock, context: SessionContext, attempt_id: str, option_id: str
) -> AttemptOut:
    attempt = await _running(session, context, attempt_id, ("mfa_method", "mfa_code"))
    if not any(o["id"] == option_id for o in attempt.mfa_options or []):
        raise InvalidRequest(
            "Choose one of the offered verification methods.", fields=["option_id"]
        )
    return await _record_input(session, attempt, "mfa_option", option_id, clock)


async def resend_code(
    session: AsyncSession, clock: Clock, context: SessionContext, attempt_id: str
) -> AttemptOut:
    attempt = await _running(session, context, attempt_id, ("mfa_code",))
    return await _record_input(session, attempt, "resend", attempt.mfa_option_id, clock)


async def submit_code(
    session: AsyncSession,
    clock: Clock,
    vault: Vault,
    context: SessionContext,
    attempt_id: str,
    code: str,
) -> AttemptOut:
    attempt = await _running(session, context, attempt_id, ("mfa_code",))
    owner = Owner(attempt.client_id, attempt.id)
    await vault.seal(session, owner=owner, field="mfa_code", plaintext=code.encode())
    return await _record_input(session, attempt, "mfa_code", None, clock)


async def cancel(session: AsyncSession, clock: Clock, context: SessionContext) -> None:
    """The end user closed Connect: a sign-in waiting for them ends now, not after a timeout."""
    attempt = await AttemptRepository(session).unfinished_in_session(context.row.id)
    if attempt is not None and attempt.status in RUNNING:
        await _record_input(session, attempt, CLOSE, None, clock)


async def abandon_after_back(session: AsyncSession, clock: Clock, context: SessionContext) -> None:
    """Closing Connect after going Back from the MFA dialog: the new credential must not stay
    ``pending`` (see ``outcomes.abandoned_after_back``)."""
    from gridlink.attempts import outcomes  # outcomes imports this module (update_channel)

    latest = await AttemptRepository(session).latest_for_session(context.row.id)
    if latest is not None and latest.status == "cancelled":
        await outcomes.abandoned_after_back(session, clock, latest)


async def cancel_attempt(
    session: AsyncSession, clock: Clock, context: SessionContext, attempt_id: str
) -> AttemptOut:
    """The end user went Back from the MFA dialog. The worker holding the utility session ends
    the attempt as ``cancelled`` when it reads this (at once: it is waiting for input), which
    changes no credential and sends no webhook; follow the attempt to see it end."""
    require_open(context)
    attempt = await AttemptRepository(session).for_session(context.row.id, attempt_id)
    if attempt is None:
        raise NotFound(ATTEMPT_NOT_FOUND)
    if attempt.status in TERMINAL:
        raise AttemptFinished(
            f"This sign-in has already finished ({attempt.status}); there is nothing to cancel."
        )
    if attempt.status not in ("mfa_method", "mfa_code"):
        raise Conflict(
            "A sign-in can be cancelled only while it waits for you (verification); "
            "wait for it to finish."
        )
    return await _record_input(session, attempt, BACK, None, clock)


async def view(session: AsyncSession, attempt: ConnectionAttempt) -> AttemptOut:
    accounts: list[AccountOut] = []
    if attempt.status == "verified":
        rows = await AttemptRepository(session).accounts(attempt.credential_id)
        accounts = [
            AccountOut(id=a.id, number=masked_account(a.number), service_address=a.service_address)
            for a in rows
        ]
    mfa = None
    if attempt.mfa_options is not None and attempt.status in ("mfa_method", "mfa_code"):
        mfa = MfaOut(
            options=[MfaOptionOut.model_validate(o) for o in attempt.mfa_options],
            selected_option_id=attempt.mfa_option_id,
            attempts_left=attempt.mfa_attempts_left,
        )
    return AttemptOut(
        id=attempt.id,
        status=attempt.status,
        status_detail=attempt.status_detail,
        message=attempt.message,
        seq=attempt.seq,
        finished=attempt.status in TERMINAL,
        utility_credential_id=attempt.credential_id,
        mfa=mfa,
        accounts=accounts,
    )


async def wait_for_change(
    db: Database, session_id: str, attempt_id: str, after_seq: int, seconds: float
) -> AttemptOut:
    """Long-poll: return as soon as the attempt's ``seq`` passes ``after_seq`` (or it is
    finished), else when ``seconds`` ran out. Each look is its own short read transaction."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    async with Waiter(db, update_channel(attempt_id), listen=False) as waiter:
        while True:
            waiter.clear()
            async with db.transaction(write=False) as session:
                attempt = await AttemptRepository(session).for_session(session_id, attempt_id)
                if attempt is None:
                    raise NotFound(ATTEMPT_NOT_FOUND)
                if attempt.seq > after_seq or attempt.status in TERMINAL:
                    return await view(session, attempt)
                if loop.time() >= deadline:
                    return await view(session, attempt)
            await waiter.wait(min(POLL_SECONDS, max(0.0, deadline - loop.time())))


async def complete(
    session: AsyncSession, clock: Clock, context: SessionContext, attempt_id: str
) -> CompletionOut:
    """Hand the widget its result: a fresh single-use authorization code (10 minutes; a new
    call replaces an unused one), the credential and the accounts found. Ends the session."""
    require_open(context)
    repo = AttemptRepository(session)
    attempt = await repo.for_session(context.row.id, attempt_id)
    if attempt is None:
        raise NotFound(ATTEMPT_NOT_FOUND)
    if attempt.status != "verified":
        raise Conflict("Only a verified sign-in can be completed.")
    code = new_authorization_code(clock, context.environment)
    attempt.authorization_code_hash = code.digest
    attempt.authorization_code_expires_at = code.expires_at
    attempt.authorization_code_used_at = None
    context.row.closed_at = clock.now()
    utility = await find_visible(session, attempt.utility_id, context.environment)
    out = await view(session, attempt)
    return CompletionOut(
        utility_credential_id=attempt.credential_id,
        client_user_id=await repo.client_user_id(context.row.user_id),
        authorization_code=code.value,
        utility={"id": attempt.utility_id, "name": utility.name if utility else attempt.utility_id},
        accounts=out.accounts,
    )
