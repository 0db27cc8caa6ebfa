from __future__ import annotations

from datetime import datetime

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from gridlink.kit.openapi import exactly_one_of

# Far enough for any MFA session or billing cycle; keeps every date well inside datetime's range.
MAX_OFFSET_SECONDS = 10 * 366 * 24 * 3600


class SandboxClockOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"now": "2026-12-05T10:00:00Z", "offset_seconds": 1209600}]}
    )

    now: datetime = Field(description="The sandbox clock: utility-side time for this client.")
    offset_seconds: int = Field(description="How far the sandbox clock runs ahead of real time.")


class SandboxClockMove(BaseModel):
    """Exactly one of ``advance_seconds`` or ``now``. The clock only moves forward."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "oneOf": exactly_one_of("advance_seconds", "now"),
            "examples": [{"advance_seconds": 1209600}, {"now": "2026-12-05T10:00:00Z"}],
        },
    )

    advance_seconds: int | None = Field(
        default=None,
        gt=0,
        le=MAX_OFFSET_SECONDS,
        description="Move the clock this many seconds forward.",
    )
    now: AwareDatetime | None = Field(
        default=None,
        description="Move the clock to this time (with a time zone; not earlier than the "
        "sandbox clock's current time). Kept to the second, rounded up.",
    )
