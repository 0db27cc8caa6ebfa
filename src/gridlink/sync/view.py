"""The ``sync`` object shown on a credential (credentials/service.py) and by refresh."""

from __future__ import annotations

from datetime import datetime

from gridlink.models import UtilitySync
from gridlink.sync.schemas import SyncOut


def sync_out(
    sync: UtilitySync | None, credential_status: str, last_synced_at: datetime | None
) -> SyncOut | None:
    if sync is None:
        return None
    state = sync.state if credential_status == "verified" else "stopped"
    return SyncOut(
        state=state,
        kind=sync.kind,
        progress=sync.progress,
        eta=sync.eta if state == "running" else None,
        last_synced_at=last_synced_at,
        next_sync_at=sync.due_at if state in ("scheduled", "retrying") else None,
        last_error=sync.last_error,
    )
