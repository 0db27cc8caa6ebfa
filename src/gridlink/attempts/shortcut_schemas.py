from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from gridlink.attempts.schemas import AttemptOut
from gridlink.users.schemas import ClientUserId


class SandboxCredentialIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "client_user_id": "3f2c8e0a-5b1d-4c8e-9a47-2d6f1b0c9e11",
                    "utility_id": "sandbox_electric",
                    "username": "user_mfa_sms",
                    "password": "pass_good",
                    "mfa_code": "123456",
                }
            ]
        },
    )

    client_user_id: ClientUserId
    utility_id: str = Field(max_length=100)
    username: str = Field(min_length=1, max_length=200)
    password: str = Field(min_length=1, max_length=500)
    mfa_method: Literal["sms", "call", "email"] | None = None
    mfa_code: str | None = Field(default=None, max_length=20, pattern=r"^[0-9A-Za-z-]+$")
    totp_secret: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The authenticator app's setup key, for `sandbox_authenticator` "
        "(`GRIDLINKSANDBOX2`); refused for the other sandbox utilities.",
    )


class SandboxCredentialOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "utility_credential_id": "ucr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                    "client_user_id": "3f2c8e0a-5b1d-4c8e-9a47-2d6f1b0c9e11",
                    "utility_id": "sandbox_electric",
                    "status": {
                        "status": "verified",
                        "status_detail": None,
                        "action_required": False,
                    },
                    "attempt": AttemptOut.model_config["json_schema_extra"]["examples"][0],  # type: ignore[index]
                }
            ]
        }
    )

    utility_credential_id: str
    client_user_id: str
    utility_id: str
    status: dict[str, Any] = Field(
        description="The credential's status, status_detail and action_required after the attempt."
    )
    attempt: AttemptOut
