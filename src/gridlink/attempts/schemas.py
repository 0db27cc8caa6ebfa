from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

AttemptStatus = Literal[
    "queued",
    "connecting",
    "mfa_method",
    "mfa_code",
    "verified",
    "rejected",
    "timeout",
    "error",
    "pending",
    "cancelled",
]


class CredentialsIn(BaseModel):
    """The end user's utility login. Omit both in update mode to reuse the stored login (e.g.
    when only the MFA session expired)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {"username": "user_good", "password": "pass_good"},
                {
                    "username": "user_good",
                    "password": "pass_good",
                    "totp_secret": "SAND BOXK EYAB CDEF",
                },
            ]
        },
    )

    username: str | None = Field(default=None, min_length=1, max_length=200)
    password: str | None = Field(default=None, min_length=1, max_length=500)
    totp_secret: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="The setup key of the end user's authenticator app (base32; spaces, "
        "hyphens and case do not matter), for utilities whose `sign_in_kinds` has "
        "`password_totp`: required with a new login in create mode; in update mode it "
        "replaces the stored key, alone or with a new login. Refused for other utilities.",
    )


class MfaOptionIn(BaseModel):
    model_config = ConfigDict(
        extra="forbid", json_schema_extra={"examples": [{"option_id": "sms"}]}
    )

    option_id: str = Field(min_length=1, max_length=100)


class MfaCodeIn(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"code": "123456"}]})

    code: str = Field(min_length=1, max_length=20, pattern=r"^[0-9A-Za-z-]+$")


class MfaOptionOut(BaseModel):
    id: str
    method: Literal["sms", "call", "email"]
    destination: str


class MfaOut(BaseModel):
    options: list[MfaOptionOut]
    selected_option_id: str | None = None
    attempts_left: int | None = None


class AccountOut(BaseModel):
    id: str
    number: str
    service_address: dict[str, Any] | None = None


class AttemptOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "id": "att_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                    "status": "mfa_code",
                    "status_detail": "MULTI_FACTOR_AUTHENTICATION_REQUIRED",
                    "message": "Enter the code we sent to ***-***-4821.",
                    "seq": 3,
                    "finished": False,
                    "utility_credential_id": "ucr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                    "mfa": {
                        "options": [{"id": "sms", "method": "sms", "destination": "***-***-4821"}],
                        "selected_option_id": "sms",
                        "attempts_left": 5,
                    },
                    "accounts": [],
                }
            ]
        }
    )

    id: str
    status: AttemptStatus
    status_detail: str | None = None
    message: str | None = None
    seq: int = Field(description="Grows with every change; pass it as `after_seq` to wait.")
    finished: bool
    utility_credential_id: str
    mfa: MfaOut | None = None
    accounts: list[AccountOut]


class CompletionOut(BaseModel):
    """What the widget hands the host page on success (onSuccess)."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "utility_credential_id": "ucr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                    "client_user_id": "3f2c8e0a-5b1d-4c8e-9a47-2d6f1b0c9e11",
                    "authorization_code": "glac_sandbox_...",
                    "utility": {"id": "sandbox_electric", "name": "Sandbox Power & Light"},
                    "accounts": [
                        {
                            "id": "uac_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                            "number": "****1234",
                            "service_address": None,
                        }
                    ],
                }
            ]
        }
    )

    utility_credential_id: str
    client_user_id: str = Field(description="The app's own id of the end user.")
    authorization_code: str
    utility: dict[str, str]
    accounts: list[AccountOut]
