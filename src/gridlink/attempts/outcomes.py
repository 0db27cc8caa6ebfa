"""What an attempt's progress does to the database: each function runs inside the caller's
transaction, so a state change, its events and the vault writes commit together or not at all.

Credential statuses follow the attempt in create mode (and whenever the credential was never
verified); a failed repair in update mode leaves a credential as it was, with its old login.

A verification is stored only if its session may still verify (``connect.sessions.
lock_for_verification``: not ended, its token or link not spent elsewhere or revoked) and, for
a credential verified before, only if the new login is the credential's own: the same username,
or one that reaches at least one of the credential's utility accounts; and never a login another
credential of the same end user holds. Otherwise nothing of the new login is kept
(``ACCOUNT_MISMATCH``), so a link cannot be used to attach someone else's utility accounts to a
credential, nor one login be connected twice.
"""

from __future__ import annotations

import contextlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.attempts import limits
from gridlink.attempts.repository import TERMINAL, AttemptRepository
from gridlink.attempts.service import update_channel
from gridlink.connect import sessions as connect_sessions
from gridlink.connectors.base import MfaOption, SessionToken
from gridlink.connectors.errors import MfaRequired
from gridlink.connectors.models import Account
from gridlink.credentials.events import record_status_event
from gridlink.data.service import upsert_accounts
from gridlink.events.service import record_event
from gridlink.events.types import EventType
from gridlink.kit.clock import Clock
from gridlink.kit.totp import VAULT_FIELD as TOTP_FIELD
from gridlink.kit.vault import Owner, SealedValueMissing, Vault
from gridlink.kit.wakeup import announce
from gridlink.metrics.recording import sign_in_finished
from gridlink.models import ConnectionAttempt, UtilityCredential
from gridlink.sync.schedule import enqueue as enqueue_sync

MFA_REQUIRED = MfaRequired.status_detail

_STATUS_EVENTS = {
    "verified": EventType.UTILITY_CREDENTIAL_VERIFIED,
    "rejected": EventType.UTILITY_CREDENTIAL_REJECTED,
    "error": EventType.UTILITY_CREDENTIAL_VERIFICATION_ERROR,
    "timeout": EventType.UTILITY_CREDENTIAL_TIMEOUT,
}


@dataclass(frozen=True)
class Failure:
    status: str  # rejected | error | timeout
    status_detail: str | None
    message: str
    action_required: bool
    counts_as_failed_login: bool = False
    # False: a verdict on the login, not on the credential, which keeps its status and events.
    changes_credential: bool = True


ACCOUNT_MISMATCH = Failure(
    "rejected",
    "ACCOUNT_MISMATCH",
    "This login reaches other utility accounts than the ones this connection is for. Sign in "
    "with the login you connected before; to add another login, connect it as a new account.",
    action_required=True,
    changes_credential=False,
)
ALREADY_CONNECTED = Failure(
    "rejected",
    "ACCOUNT_MISMATCH",
    "This login is already connected as another of your connections. Sign in with the login "
    "this connection is for.",
    action_required=True,
    changes_credential=False,
)
SESSION_ENDED = "SESSION_ENDED"


def _touch(attempt: ConnectionAttempt, now: datetime) -> None:
    attempt.seq += 1
    attempt.updated_at = now


def _finish(attempt: ConnectionAttempt, status: str, now: datetime) -> None:
    attempt.status = status
    attempt.finished_at = now
    attempt.lease_owner = None
    attempt.lease_expires_at = None
    attempt.waiting_since = None
    _touch(attempt, now)
    sign_in_finished(attempt, now)  # counted when this transaction commits


async def set_state(
    session: AsyncSession,
    now: datetime,
    attempt: ConnectionAttempt,
    status: str,
    *,
    message: str | None = None,
    options: Sequence[MfaOption] | None = None,
    selected_option_id: str | None = None,
    attempts_left: int | None = None,
) -> None:
    """An in-progress state the widget shows (connecting, mfa_method, mfa_code)."""
    attempt.status = status
    attempt.message = message
    attempt.status_detail = MFA_REQUIRED if status.startswith("mfa_") else None
    if options is not None:
        attempt.mfa_options = [
            {"id": o.id, "method": o.method.value, "destination": o.destination} for o in options
        ]
    attempt.mfa_option_id = selected_option_id
    attempt.mfa_attempts_left = attempts_left
    attempt.waiting_since = now if status.startswith("mfa_") else None
    _touch(attempt, now)
    await announce(session, update_channel(attempt.id))


async def mark_pending(session: AsyncSession, now: datetime, attempt: ConnectionAttempt) -> None:
    """The utility is slower than the widget waits: tell the widget; the app hears later."""
    if attempt.status != "connecting":
        return
    attempt.status = "pending"
    attempt.message = (
        "Your utility is taking longer than usual. You can close this window: the app will be "
        "told when the connection is ready."
    )
    _touch(attempt, now)
    await announce(session, update_channel(attempt.id))


async def verified(
    session: AsyncSession,
    clock: Clock,
    vault: Vault,
    attempt: ConnectionAttempt,
    *,
    token: SessionToken | None,
    accounts: Sequence[Account],
) -> None:
    repo = AttemptRepository(session)
    # Locks in the one order: sync row, credential, token or link, session (see sessions.py).
    await repo.lock_sync_of(attempt.credential_id)
    credential = await repo.credential(attempt.credential_id, for_update=True)
    if credential is None:  # deleted by the app while the sign-in ran: nothing to keep
        await vault.destroy(session, Owner(attempt.client_id, attempt.id))
        return
    connect_session = await connect_sessions.lock_for_verification(
        session, clock, attempt.session_id
    )
    if connect_session is None:  # ended meanwhile: its link was revoked, or it was spent
        await session_ended(session, clock, vault, attempt)
        return
    now = clock.now()
    attempt_owner = Owner(attempt.client_id, attempt.id)
    credential_owner = Owner(credential.client_id, credential.id)
    login: dict[str, bytes] = {}
    if attempt.new_login:
        for field in ("username", "password"):
            login[field] = await vault.open(session, owner=attempt_owner, field=field)
        new_hash = limits.username_hash(credential.utility_id, login["username"].decode())
        refusal = await _refusal(repo, credential, new_hash, accounts)
        if refusal is not None:
            await failed(session, clock, vault, attempt, refusal, None)
            return
        for field, value in login.items():
            await vault.seal(session, owner=credential_owner, field=field, plaintext=value)
        credential.username_hash = new_hash
        await limits.clear_failures(session, credential.client_id, credential.utility_id, new_hash)
    elif credential.username_hash is not None:
        await limits.clear_failures(
            session, credential.client_id, credential.utility_id, credential.username_hash
        )
    with contextlib.suppress(SealedValueMissing):  # a new authenticator key replaces the old
        key = await vault.open(session, owner=attempt_owner, field=TOTP_FIELD)
        await vault.seal(session, owner=credential_owner, field=TOTP_FIELD, plaintext=key)
    if token is not None:
        await vault.seal(
            session, owner=credential_owner, field="session_token", plaintext=token.value.encode()
        )
        credential.mfa_session_expires_at = token.expires_at
        credential.mfa_expiring_notified_at = None
    credential.status = "verified"
    credential.status_detail = None
    credential.action_required = False
    credential.verified_at = now
    credential.updated_at = now
    # The one writer of stored data (the sync engine uses it too).
    rows = await upsert_accounts(session, clock, credential.id, accounts)
    await record_status_event(session, clock, credential, EventType.UTILITY_CREDENTIAL_VERIFIED)
    if rows:  # a Green Button Connect authorization finds its accounts in the first sync
        await record_event(
            session,
            clock,
            client_id=credential.client_id,
            type=EventType.UTILITY_ACCOUNTS_DISCOVERED,
            client_user_id=await repo.client_user_id(credential.user_id),
            utility_credential_id=credential.id,
            data={
                "utility_id": credential.utility_id,
                "utility_account_ids": [r.id for r in rows],
            },
        )
    attempt.status_detail = None
    attempt.message = None
    _finish(attempt, "verified", now)
    await connect_sessions.spend(session, clock, connect_session)
    await vault.destroy(session, attempt_owner)
    await enqueue_sync(session, clock, credential)  # the first sync, or again after a repair
    await announce(session, update_channel(attempt.id))


async def _refusal(
    repo: AttemptRepository,
    credential: UtilityCredential,
    new_hash: str,
    accounts: Sequence[Account],
) -> Failure | None:
    """Why this new login may not be stored on the credential, or None if it may.

    A login another credential of the same end user already holds stays there (one credential
    per login). A credential never verified has no accounts yet: its first verified login
    defines them. One verified before keeps its own: the same username, or a login that reaches
    at least one of its utility accounts (the same customer, perhaps with a new account or a
    changed username)."""
    twin = await repo.credential_for_login(
        credential.user_id, credential.utility_id, new_hash, except_id=credential.id
    )
    if twin is not None:
        return ALREADY_CONNECTED
    if credential.verified_at is None or credential.username_hash == new_hash:
        return None
    known = {account.number for account in await repo.accounts(credential.id)}
    if known and not known.isdisjoint(account.number for account in accounts):
        return None
    return ACCOUNT_MISMATCH  # (verified with no account: only its username identifies it)


async def session_ended(
    session: AsyncSession, clock: Clock, vault: Vault, attempt: ConnectionAttempt
) -> None:
    """The attempt's session ended while it ran (its link was revoked, or its token or link
    succeeded in another session): the attempt ends ``cancelled`` (``SESSION_ENDED``) and keeps
    nothing; it is no verdict on the login, so no failed sign-in is counted. A credential made
    for it and still ``pending`` ends as an abandoned sign-in does (``timeout``, its webhook)."""
    if attempt.status in TERMINAL and attempt.status != "pending":
        return
    now = clock.now()
    attempt.status_detail = SESSION_ENDED
    attempt.message = "This Connect session has ended. Open Connect again from the app."
    _finish(attempt, "cancelled", now)
    await vault.destroy(session, Owner(attempt.client_id, attempt.id))
    credential = await AttemptRepository(session).credential(attempt.credential_id, for_update=True)
    if credential is not None and credential.verified_at is None and credential.status == "pending":
        credential.status = "timeout"
        credential.status_detail = None
        credential.action_required = True
        credential.updated_at = now
        await record_status_event(session, clock, credential, _STATUS_EVENTS["timeout"])
    await announce(session, update_channel(attempt.id))


async def cancelled(
    session: AsyncSession, clock: Clock, vault: Vault, attempt: ConnectionAttempt
) -> None:
    """The end user went Back during the MFA dialog. Nothing is said about the credential: its
    status, events and webhooks stay as they were (a credential made for this sign-in stays
    ``pending`` and the session's next sign-in reuses it), and no failed sign-in is counted."""
    if attempt.status in TERMINAL and attempt.status != "pending":
        return
    attempt.status_detail = None
    attempt.message = "You went back. Sign in again when you are ready."
    _finish(attempt, "cancelled", clock.now())
    await vault.destroy(session, Owner(attempt.client_id, attempt.id))
    await announce(session, update_channel(attempt.id))


async def abandoned_after_back(
    session: AsyncSession, clock: Clock, attempt: ConnectionAttempt
) -> None:
    """The end user went Back from the MFA dialog, then closed Connect instead of signing in
    again: a credential made for this sign-in ends as an abandoned verification does (``timeout``,
    ``MULTI_FACTOR_AUTHENTICATION_REQUIRED``, its webhook) instead of staying ``pending``, which
    would promise a result that never comes. A credential verified before is left as it is."""
    credential = await AttemptRepository(session).credential(attempt.credential_id, for_update=True)
    if credential is None or credential.verified_at is not None or credential.status != "pending":
        return
    credential.status = "timeout"
    credential.status_detail = MFA_REQUIRED
    credential.action_required = True
    credential.updated_at = clock.now()
    await record_status_event(session, clock, credential, _STATUS_EVENTS["timeout"])


async def failed(
    session: AsyncSession,
    clock: Clock,
    vault: Vault,
    attempt: ConnectionAttempt,
    failure: Failure,
    username_hash: str | None,
) -> None:
    if attempt.status in TERMINAL and attempt.status != "pending":
        return  # already finished (e.g. reaped) — never finish twice
    repo = AttemptRepository(session)
    now = clock.now()
    credential = await repo.credential(attempt.credential_id, for_update=True)
    if credential is None:  # deleted by the app meanwhile (its attempts went with it)
        await vault.destroy(session, Owner(attempt.client_id, attempt.id))
        return
    if credential.verified_at is None and failure.changes_credential:
        credential.status = failure.status
        credential.status_detail = failure.status_detail
        credential.action_required = failure.action_required
        credential.updated_at = now
        await record_status_event(session, clock, credential, _STATUS_EVENTS[failure.status])
    if failure.counts_as_failed_login:
        connect_session = await repo.connect_session(attempt.session_id)
        if connect_session is not None:
            connect_session.failed_logins += 1
        environment = await repo.client_environment(attempt.client_id)
        who = limits.SignIn(
            attempt.client_id,
            credential.user_id,
            attempt.utility_id,
            username_hash,
            attempt.client_ip,
            environment == "live",
        )
        await limits.record_failure(session, who, now)
    attempt.status_detail = failure.status_detail
    attempt.message = failure.message
    _finish(attempt, failure.status, now)
    await vault.destroy(session, Owner(attempt.client_id, attempt.id))
    await announce(session, update_channel(attempt.id))
