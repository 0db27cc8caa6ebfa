"""OpenAPI helpers: the error envelope, documented once and referenced by every endpoint."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ErrorDetail(BaseModel):
    code: str = Field(description="Stable, machine-readable error code.")
    message: str = Field(description="What went wrong and how to fix it.")
    request_id: str | None = Field(description="Quote this when asking for help.")
    fields: list[str] | None = Field(default=None, description="Request fields the error is about.")


class ErrorResponse(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "error": {
                        "code": "invalid_request",
                        "message": "Pass exactly one of client_user_id or utility_credential_id.",
                        "request_id": "req_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                        "fields": ["client_user_id", "utility_credential_id"],
                    }
                }
            ]
        }
    )

    error: ErrorDetail


_DESCRIPTIONS = {
    400: "The grant or code is not valid (invalid_grant).",
    401: "Missing or invalid credentials (unauthorized) or connect token (token_invalid).",
    403: "Not allowed for this client (forbidden).",
    404: "No such resource for this client (not_found).",
    409: "Conflicts with the current state (conflict).",
    422: "The request is invalid (invalid_request); `fields` names the culprits.",
    429: "Too many attempts (rate_limited); see Retry-After.",
    503: "Data not available yet (data_unavailable); see Retry-After.",
}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    return {
        status: {"model": ErrorResponse, "description": _DESCRIPTIONS[status]}
        for status in statuses
    }
