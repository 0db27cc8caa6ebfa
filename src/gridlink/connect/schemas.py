from __future__ import annotations

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gridlink.kit.openapi import exactly_one_of
from gridlink.users.schemas import ClientUserId

Product = Literal["accounts", "statements", "intervals", "customer"]
Language = Literal["en", "es"]
DEFAULT_PRODUCTS: list[Product] = ["accounts", "statements", "intervals"]


class ConnectTokenRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": exactly_one_of("client_user_id", "utility_credential_id"),
            "examples": [
                {"client_user_id": "3f2c8e0a-5b1d-4c8e-9a47-2d6f1b0c9e11"},
                {
                    "client_user_id": "3f2c8e0a-5b1d-4c8e-9a47-2d6f1b0c9e11",
                    "utility_id": "sandbox_electric",
                    "products": ["accounts", "statements"],
                    "language": "es",
                },
                {"utility_credential_id": "ucr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S"},
            ],
        },
    )

    client_user_id: ClientUserId | None = None
    utility_credential_id: str | None = Field(
        default=None,
        max_length=40,
        description="Repair this credential (update mode) instead of linking a new one.",
    )
    utility_id: str | None = Field(
        default=None, max_length=100, description="Preselect a utility; skips the utility screen."
    )
    products: list[Product] | None = Field(
        default=None,
        min_length=1,
        description="Data the end user is asked to share. Default: accounts, statements, "
        "intervals (`customer` must be asked for explicitly).",
    )
    language: Language | None = Field(
        default=None, description="Widget language; default: the end user's browser."
    )
    redirect_uri: str | None = Field(
        default=None,
        max_length=2000,
        description="Where a full-page Connect returns to; must exactly match one registered "
        "for the client.",
    )


class ConnectTokenResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "connect_token": "glct_sandbox_...",
                    "mode": "create",
                    "expires_at": "2026-11-21T14:00:00Z",
                }
            ]
        }
    )

    connect_token: str = Field(description="Hand this to the widget. Single end user, short-lived.")
    mode: Literal["create", "update"]
    expires_at: datetime
