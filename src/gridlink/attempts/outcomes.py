"""What an attempt's progress does to the database: each function runs inside the caller's
transaction, so a state change, its events and the vault writes commit together or not at all.

Credential statuses follow the attempt in create mode (and whenever the credential was never
verified); a failed repair in update mode leaves a credential as it was, with its old login.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.attempts import limits
from gridlink.attempts.repository import TERMINAL, AttemptRepository
from gridlink.attempts.service import update_channel
from gridlink.connectors.base import MfaOption, SessionToken
from gridlink.connectors.errors import MfaRequired
from gridlink.connectors.models import Account
from gridlink.credentials.events import record_status_event
from gridlink.data.service import upsert_accounts
from gridlink.events.service import record_event
from gridlink.events.types import EventType
from gridlink.kit.clock import Clock
from gridlink.kit.vault import Owner, Vault
from gridlink.kit.wakeup import announce
from gridlink.links.service import mark_link_used
from gridlink.models import ConnectionAttempt
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
    credential = await repo.credential(attempt.credential_id, for_update=True)
    if credential is None:  # deleted by the app while the sign-in ran: nothing to keep
        await vault.destroy(session, Owner(attempt.client_id, attempt.id))
        return
    now = clock.now()
    attempt_owner = Owner(attempt.client_id, attempt.id)
    credential_owner = Owner(credential.client_id, credential.id)
    if attempt.new_login:
        for field in ("username", "password"):
            value = await vault.open(session, owner=attempt_owner, field=field)
            await vault.seal(session, owner=credential_owner, field=field, plaintext=value)
            if field == "username":
                credential.username_hash = limits.username_hash(
                    credential.utility_id, value.decode()
                )
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
    client_user_id = await repo.client_user_id(credential.user_id)
    await record_event(
        session,
        clock,
        client_id=credential.client_id,
        type=EventType.UTILITY_ACCOUNTS_DISCOVERED,
        client_user_id=client_user_id,
        utility_credential_id=credential.id,
        data={"utility_id": credential.utility_id, "utility_account_ids": [r.id for r in rows]},
    )
    attempt.status_detail = None
    attempt.message = None
    _finish(attempt, "verified", now)
    connect_session = await repo.connect_session(attempt.session_id)
    if connect_session is not None and connect_session.connect_link_id is not None:
        await mark_link_used(session, clock, connect_session.connect_link_id)
    await vault.destroy(session, attempt_owner)
    await enqueue_sync(session, clock, credential)  # the first sync, or again after a repair
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
    if credential.verified_at is None:
        credential.status = failure.status
        credential.status_detail = failure.status_detail
        credential.action_required = failure.action_required
        credential.updated_at = now
        await record_status_event(session, clock, credential, _STATUS_EVENTS[failure.status])
    if failure.counts_as_failed_login:
        connect_session = await repo.connect_session(attempt.session_id)
        if connect_session is not None:
            connect_session.failed_logins += 1
        if username_hash is not None:
            await repo.add_failure(attempt.utility_id, username_hash, now)
    attempt.status_detail = failure.status_detail
    attempt.message = failure.message
    _finish(attempt, failure.status, now)
    await vault.destroy(session, Owner(attempt.client_id, attempt.id))
    await announce(session, update_channel(attempt.id))
