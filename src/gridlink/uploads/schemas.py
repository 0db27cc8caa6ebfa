from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from gridlink.credentials.schemas import CREDENTIAL_EXAMPLE, UtilityCredentialOut
from gridlink.uploads.service import StoredFile

_FOUND_EXAMPLE: dict[str, Any] = {
    "meters": [
        {
            "meter_id": "mtr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
            "number": "1",
            "commodity": "electric",
            "readings": 8760,
            "new_readings": 8760,
            "statements": 12,
            "start": "2024-01-01T08:00:00Z",
            "end": "2025-01-01T08:00:00Z",
        }
    ],
    "readings": 8760,
    "new_readings": 8760,
    "statements": 12,
    "start": "2024-01-01T08:00:00Z",
    "end": "2025-01-01T08:00:00Z",
    "warnings": [],
}


class MeterFoundOut(BaseModel):
    meter_id: str = Field(
        description="The stored meter's id (`mtr_...`), as the data API names it."
    )
    number: str = Field(
        description="The meter's number in the file (its UsagePoint, or CSV meter)."
    )
    commodity: str = Field(description="electric, gas or water.")
    readings: int = Field(description="Interval readings the file holds for this meter.")
    new_readings: int = Field(
        description="Of those, readings not stored before (a file sent again adds none)."
    )
    statements: int = Field(description="Bills (usage summaries) the file holds for it.")
    start: datetime | None = Field(description="Its first reading's start; null without one.")
    end: datetime | None = Field(description="Its last reading's end; null without one.")


class FoundOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_FOUND_EXAMPLE]})

    meters: list[MeterFoundOut]
    readings: int
    new_readings: int
    statements: int
    start: datetime | None
    end: datetime | None
    warnings: list[str] = Field(
        description="What the reader had to work around (a missing unit, a time zone taken "
        "from the file): worth showing to whoever checks the data."
    )

    @classmethod
    def of(cls, stored: StoredFile) -> FoundOut:
        return cls(
            meters=[
                MeterFoundOut(
                    meter_id=m.meter_id,
                    number=m.number,
                    commodity=m.commodity,
                    readings=m.readings,
                    new_readings=m.new_readings,
                    statements=m.statements,
                    start=m.start,
                    end=m.end,
                )
                for m in stored.meters
            ],
            readings=stored.readings,
            new_readings=stored.new_readings,
            statements=stored.statements,
            start=stored.start,
            end=stored.end,
            warnings=list(stored.warnings),
        )


class FileUploadOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "utility_credential": {**CREDENTIAL_EXAMPLE, "method": "file", "sync": None},
                    "created": True,
                    "found": _FOUND_EXAMPLE,
                }
            ]
        }
    )

    utility_credential: UtilityCredentialOut = Field(
        description="The file credential (method `file`) the data is stored under."
    )
    created: bool = Field(
        description="True when this file made the credential; false when it merged into the "
        "end user's existing file credential at this utility."
    )
    found: FoundOut = Field(description="What the file held.")


class WidgetFileOut(BaseModel):
    """Connect's answer: finish with POST /connect/api/attempts/{attempt_id}/complete."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "attempt_id": "att_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                    "utility_credential_id": "ucr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
                    "found": _FOUND_EXAMPLE,
                }
            ]
        }
    )

    attempt_id: str
    utility_credential_id: str
    found: FoundOut
