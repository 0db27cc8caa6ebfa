from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gridlink.attempts.schemas import AttemptOut
from gridlink.utilities.schemas import UtilityOut

Step = Literal["consent", "utility", "credentials", "mfa_refresh", "closed"]


class SessionStart(BaseModel):
    """Exactly one of a connect token (from the app's backend) or a connect link's token."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"connect_token": "glct_sandbox_..."}]},
    )

    connect_token: str | None = Field(default=None, max_length=200)
    connect_link_token: str | None = Field(default=None, max_length=200)


class ClientInfo(BaseModel):
    name: str


class SessionOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "csn_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                    "mode": "create",
                    "step": "consent",
                    "client": {"name": "Acme Energy"},
                    "products": ["accounts", "statements", "intervals"],
                    "language": None,
                    "consent_version": "2026-11-01",
                    "utility": None,
                    "utility_preselected": False,
                    "utility_credential_id": None,
                    "attempt": None,
                    "expires_at": "2026-11-21T14:00:00Z",
                }
            ]
        }
    )

    id: str
    mode: Literal["create", "update"]
    step: Step
    client: ClientInfo
    products: list[str]
    consent_version: str
    utility_preselected: bool
    expires_at: datetime
    language: str | None = None
    utility: UtilityOut | None = None
    utility_credential_id: str | None = None
    attempt: AttemptOut | None = None


class SessionStarted(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "session_token": "glcs_sandbox_...",
                    "session": SessionOut.model_config["json_schema_extra"]["examples"][0],  # type: ignore[index]
                }
            ]
        }
    )

    session_token: str = Field(description="Send as `Authorization: Bearer` on every later call.")
    session: SessionOut


class ConsentIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"consent_version": "2026-11-01"}]}
    )

    consent_version: str = Field(max_length=20)


class UtilityChoice(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"utility_id": "sandbox_electric"}]}
    )

    utility_id: str = Field(max_length=100)
