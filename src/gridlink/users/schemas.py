from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

ClientUserId = Annotated[
    str,
    StringConstraints(min_length=1, max_length=255, pattern=r"^[^\x00]*$"),  # no NUL (PostgreSQL)
    Field(
        description="Your own id for the end user (1-255 characters; we recommend a UUID). "
        "Opaque to Gridlink: do not use an email address or anything personal.",
        examples=["3f2c8e0a-5b1d-4c8e-9a47-2d6f1b0c9e11"],
    ),
]


class UserOut(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "client_user_id": "3f2c8e0a-5b1d-4c8e-9a47-2d6f1b0c9e11",
                    "created_at": "2026-11-21T10:00:00Z",
                }
            ]
        }
    )

    client_user_id: str
    created_at: datetime
