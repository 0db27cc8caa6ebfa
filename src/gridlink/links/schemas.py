from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

LinkStatus = Literal["active", "used", "revoked", "expired"]


class ConnectLinkIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"redirect_uri": "https://app.acme.example/utility/done"}]},
    )

    redirect_uri: str | None = Field(
        default=None,
        max_length=2000,
        description='Where the link page sends the end user when they are done (a "Return to '
        '{your app}" link on its result screens, with `?status=<exit status>&'
        "utility_credential_id=...` added). Must exactly match one of the client's registered "
        "redirect URIs.",
    )


class ConnectLinkCreated(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "clk_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                    "url": "https://gridlink.acme.example/connect/link?client=cli_01JD3Q2V7S9X"
                    "8Y6Z5W4V3U2T1S#token=glcl_sandbox_...",
                    "expires_at": "2026-11-24T10:00:00Z",
                }
            ]
        }
    )

    id: str = Field(description="The connect link's id (to list or revoke it).")
    url: str = Field(
        description="Send this to the end user. Shown only in this answer; it opens Connect "
        "full-page, in update mode, for this credential only."
    )
    expires_at: datetime = Field(description="72 hours after creation.")


class ConnectLinkOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "clk_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                    "utility_credential_id": "ucr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                    "status": "active",
                    "created_at": "2026-11-21T10:00:00Z",
                    "expires_at": "2026-11-24T10:00:00Z",
                    "used_at": None,
                    "revoked_at": None,
                }
            ]
        }
    )

    id: str
    utility_credential_id: str
    status: LinkStatus = Field(
        description="active (can be opened), used (the end user finished with it), revoked, "
        "or expired."
    )
    created_at: datetime
    expires_at: datetime
    used_at: datetime | None = None
    revoked_at: datetime | None = None
    redirect_uri: str | None = None
