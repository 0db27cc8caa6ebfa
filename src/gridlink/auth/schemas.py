from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


class TokenRequest(BaseModel):
    """OAuth 2.0 client-credentials grant (RFC 6749 §4.4), as a form or JSON body.

    The client may authenticate with HTTP Basic instead of the two body fields.
    """

    model_config = ConfigDict(
        extra="ignore",
        json_schema_extra={
            "examples": [
                {
                    "grant_type": "client_credentials",
                    "client_id": "cli_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                    "client_secret": "glsk_sandbox_...",
                }
            ]
        },
    )

    grant_type: Literal["client_credentials"]
    client_id: str | None = Field(default=None, max_length=100)
    client_secret: str | None = Field(default=None, max_length=200)
    scope: str | None = Field(default=None, max_length=200, description="Ignored.")


class TokenResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"access_token": "glat_sandbox_...", "token_type": "bearer", "expires_in": 3600}
            ]
        }
    )

    access_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105 - a token type, not a secret
    expires_in: int = Field(description="Seconds until the token expires.")


class ExchangeRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"authorization_code": "glac_sandbox_..."}]},
    )

    authorization_code: str = Field(
        description="The code the widget handed your page with the utility_credential_id "
        "(onSuccess). Single use, valid 10 minutes."
    )


class ExchangeResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "utility_credential_id": "ucr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                    "client_user_id": "3f2c8e0a-5b1d-4c8e-9a47-2d6f1b0c9e11",
                    "utility_id": "sandbox_electric",
                }
            ]
        }
    )

    utility_credential_id: str
    client_user_id: str
    utility_id: str
