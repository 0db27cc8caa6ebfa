from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gridlink.sync.schemas import SYNC_EXAMPLE, SyncOut

CredentialMethodName = Literal["login", "file", "green_button"]
CredentialStatus = Literal["pending", "verified", "rejected", "timeout", "error"]

CREDENTIAL_EXAMPLE: dict[str, Any] = {
    "id": "ucr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
    "client_user_id": "3f2c8e0a-5b1d-4c8e-9a47-2d6f1b0c9e11",
    "utility": {"id": "sandbox_electric", "name": "Sandbox Power & Light"},
    "method": "login",
    "status": "verified",
    "status_detail": None,
    "action_required": False,
    "mfa_session_expires_at": "2027-02-19T10:00:00Z",
    "last_synced_at": "2026-11-21T10:05:00Z",
    "verified_at": "2026-11-21T10:00:00Z",
    "created_at": "2026-11-21T09:59:00Z",
    "updated_at": "2026-11-21T10:05:00Z",
    "sync": {
        **SYNC_EXAMPLE,
        "state": "scheduled",
        "kind": "scheduled",
        "progress": 1.0,
        "eta": None,
        "last_synced_at": "2026-11-21T10:05:00Z",
        "next_sync_at": "2026-11-22T09:41:00Z",
    },
}


class CredentialFilters(BaseModel):
    client_user_id: str | None = None
    utility_id: str | None = None
    status: CredentialStatus | None = None
    status_detail: str | None = None
    action_required: bool | None = None


class UtilityRef(BaseModel):
    id: str
    name: str


class UtilityCredentialOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [CREDENTIAL_EXAMPLE]})

    id: str = Field(description="The utility credential's id (`ucr_...`).")
    client_user_id: str = Field(description="Your id for the end user it belongs to.")
    utility: UtilityRef
    method: CredentialMethodName = Field(
        description="How it connects: `login` (Gridlink signs in with the end user's username "
        "and password), `file` (Green Button files uploaded in Connect or with POST "
        "/v1/utility_credentials/files) or `green_button` (Green Button Connect My Data, an "
        "authorization at the utility)."
    )
    status: CredentialStatus = Field(
        description="pending, verified, rejected, timeout or error; see the credentials guide."
    )
    status_detail: str | None = Field(
        default=None,
        description="Why, e.g. INVALID_CREDENTIALS; null when all is well.",
    )
    action_required: bool = Field(
        description="True when the end user must act (re-enter a password, verify again): "
        "send them a connect link or open Connect in update mode."
    )
    mfa_session_expires_at: datetime | None = Field(
        default=None,
        description="When the utility's MFA session ends (utility time); null without one.",
    )
    last_synced_at: datetime | None = None
    verified_at: datetime | None = Field(
        default=None, description="When the utility last accepted the login."
    )
    created_at: datetime
    updated_at: datetime
    sync: SyncOut | None = Field(
        default=None,
        description="Its data sync: state, progress, eta, last_synced_at, next_sync_at; null "
        "until it was first verified.",
    )
