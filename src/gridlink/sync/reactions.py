"""What a failed sync does, by the reaction the connector's error names (connectors/errors.py).

- ``Rejected`` (a changed password, a locked account): the working login stopped working.
  The credential becomes ``rejected`` with the error's status detail (``INVALID_CREDENTIALS``
  …), ``utility_credential_revoked`` is sent and syncing stops until the end user repairs the
  credential in update mode (attempts/outcomes.py ``verified`` enqueues a sync again).
- ``MfaRequired`` / ``MfaSessionExpired``: the stored MFA session no longer works, as when the
  MFA expiry check finds it expired (credentials/mfa_expiry.py): ``rejected``,
  ``MULTI_FACTOR_AUTHENTICATION_REFRESH_REQUIRED``, ``utility_credential_mfa_refresh_required``.
- ``RetryLater`` (utility down, timeout): try again after a backoff (the utility's
  ``retry_after`` when longer); the credential stays ``verified`` with status detail
  ``UTILITY_UNAVAILABLE`` until a sync succeeds.
- anything else (``error`` None): a bug or an unexpected answer; backoff, credential unchanged.

The checkpoint is kept in every case, so the next run resumes where this one stopped.
"""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from gridlink.connectors.errors import (
    ConnectorError,
    MfaRequired,
    MfaSessionExpired,
    Rejected,
    RetryLater,
    TemporarilyUnavailable,
)
from gridlink.credentials.events import record_status_event
from gridlink.events.types import EventType
from gridlink.kit.clock import Clock
from gridlink.models import UtilitySync
from gridlink.sync.repository import SyncRepository
from gridlink.sync.schedule import SyncSettings, backoff, utility_now

REFRESH_REQUIRED = MfaSessionExpired.status_detail
UNAVAILABLE = TemporarilyUnavailable.status_detail
SYNC_FAILED = "SYNC_FAILED"


async def react(
    session: AsyncSession,
    clock: Clock,
    settings: SyncSettings,
    sync: UtilitySync,
    error: ConnectorError | None,
) -> None:
    repo = SyncRepository(session)
    credential = await repo.credential(sync.credential_id, for_update=True)
    now = clock.now()
    sync.lease_owner = sync.lease_expires_at = None
    sync.eta = None
    sync.updated_at = now
    if credential is None:
        sync.state = "stopped"
        return
    if isinstance(error, Rejected | MfaRequired):
        detail = REFRESH_REQUIRED if isinstance(error, MfaRequired) else error.status_detail
        event = (
            EventType.UTILITY_CREDENTIAL_MFA_REFRESH_REQUIRED
            if isinstance(error, MfaRequired)
            else EventType.UTILITY_CREDENTIAL_REVOKED
        )
        sync.state = "stopped"
        sync.due_at = None
        sync.last_error = detail
        credential.status = "rejected"
        credential.status_detail = detail
        credential.action_required = True
        credential.updated_at = now
        await record_status_event(session, clock, credential, event)
        return
    retry_after = error.retry_after if isinstance(error, TemporarilyUnavailable) else None
    sync.failures += 1
    sync.state = "retrying"
    sync.due_at = await utility_now(session, clock, sync.client_id) + backoff(
        settings, sync.failures, retry_after
    )
    if isinstance(error, RetryLater):
        sync.last_error = UNAVAILABLE
        if credential.status == "verified" and credential.status_detail != UNAVAILABLE:
            credential.status_detail = UNAVAILABLE
            credential.updated_at = now
    else:
        sync.last_error = SYNC_FAILED


__all__ = ["REFRESH_REQUIRED", "SYNC_FAILED", "UNAVAILABLE", "react"]
