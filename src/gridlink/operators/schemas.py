"""Requests and answers of /dashboard/api/session and /dashboard/api/audit
(docs/reference/dashboard-api.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gridlink.operators.passwords import MAX_LENGTH
from gridlink.operators.principal import Role

EMAIL_PATTERN = r"^\s*[^@\s]+@[^@\s]+\s*$"  # spaces around are trimmed


class SignInRequest(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [{"email": "ana@example.com", "password": "correct horse battery"}]
        },
    )

    email: str = Field(min_length=3, max_length=254, pattern=EMAIL_PATTERN)
    password: str = Field(min_length=1, max_length=MAX_LENGTH)
    totp_code: str | None = Field(default=None, min_length=1, max_length=10)


class OperatorOut(BaseModel):
    id: str
    email: str
    role: Role
    client_ids: list[str] | None = Field(
        description="null: every client; else the only clients this operator sees."
    )


class SessionOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "operator": {
                        "id": "opr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                        "email": "ana@example.com",
                        "role": "support",
                        "client_ids": None,
                    },
                    "csrf_token": "3q2-7w…",
                    "idle_expires_at": "2026-12-05T12:30:00Z",
                    "expires_at": "2026-12-06T00:00:00Z",
                }
            ]
        }
    )

    operator: OperatorOut
    csrf_token: str = Field(description="Send as X-CSRF-Token on every call but GET/HEAD.")
    idle_expires_at: datetime
    expires_at: datetime


class AuditOperatorOut(BaseModel):
    id: str | None = Field(description="null: the CLI, a failed sign-in or a removed operator.")
    email: str | None = Field(
        description="The operator's email; for a failed sign-in the one tried."
    )


class AuditEntryOut(BaseModel):
    id: str
    at: datetime
    operator: AuditOperatorOut
    action: str
    target_type: str
    target_id: str | None
    client_id: str | None
    ip: str | None
    user_agent: str | None
    detail: dict[str, Any]


class AuditPage(BaseModel):
    data: list[AuditEntryOut]
    next_cursor: str | None = Field(description="Pass as `after` for the next (older) page.")


class OperatorListed(BaseModel):
    """An operator as admins see them in the dashboard (never a hash or a key)."""

    id: str
    email: str
    role: Role
    client_ids: list[str] | None
    totp: bool
    disabled_at: datetime | None
    created_at: datetime


class OperatorList(BaseModel):
    data: list[OperatorListed]
