from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

TripStatusOut = Literal["pending", "authorized", "denied", "expired", "failed"]


class AuthorizationStarted(BaseModel):
    """Open ``authorization_url`` in a popup (or the page, for a full-page link); then poll
    GET /connect/api/green_button/authorizations/{authorization_id}."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "authorization_id": "gba_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                    "authorization_url": "https://custodian.example/oauth/authorize?"
                    "response_type=code&client_id=gridlink&state=...&code_challenge=...",
                    "expires_at": "2026-12-06T03:10:00Z",
                }
            ]
        }
    )

    authorization_id: str
    authorization_url: str = Field(description="The utility's authorization page.")
    expires_at: datetime = Field(description="The end user must finish there before this.")


class AuthorizationOut(BaseModel):
    """Where the end user's trip to the utility stands. ``authorized``: follow ``attempt_id``
    with GET /connect/api/attempts/{id}, as after a sign-in."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "authorization_id": "gba_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                    "status": "denied",
                    "attempt_id": None,
                    "message": "You did not allow sharing at the utility.",
                }
            ]
        }
    )

    authorization_id: str
    status: TripStatusOut = Field(
        description="pending (not back from the utility yet), authorized, denied (the end "
        "user declined there), expired (not back within 10 minutes) or failed."
    )
    attempt_id: str | None = Field(
        default=None, description="The connection attempt exchanging the code."
    )
    message: str | None = Field(default=None, description="Why it was denied, expired or failed.")
