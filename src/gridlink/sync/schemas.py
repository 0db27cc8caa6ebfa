from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

SyncState = Literal["scheduled", "running", "retrying", "stopped"]

SYNC_EXAMPLE: dict[str, Any] = {
    "state": "running",
    "kind": "initial",
    "progress": 0.42,
    "eta": "2026-11-21T10:07:30Z",
    "last_synced_at": None,
    "next_sync_at": None,
    "last_error": None,
}


class SyncOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [SYNC_EXAMPLE]})

    state: SyncState = Field(
        description="scheduled (waiting for `next_sync_at`), running, retrying (the last try "
        "failed; the next is at `next_sync_at`) or stopped (the credential needs the end user)."
    )
    kind: Literal["initial", "scheduled", "requested"] = Field(
        description="initial (the first backfill), scheduled (a regular check) or requested "
        "(POST .../refresh)."
    )
    progress: float = Field(ge=0, le=1, description="Share of the current or last run done.")
    eta: datetime | None = Field(
        default=None, description="When the running sync should end (estimate); null otherwise."
    )
    last_synced_at: datetime | None = Field(
        default=None, description="When a sync last finished successfully."
    )
    next_sync_at: datetime | None = Field(
        default=None,
        description="When the next sync is due, in utility-side time (a sandbox client's moved "
        "clock included); null while running or stopped.",
    )
    last_error: str | None = Field(
        default=None,
        description="Why the last try failed, e.g. UTILITY_UNAVAILABLE or INVALID_CREDENTIALS.",
    )
