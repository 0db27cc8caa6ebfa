"""What the demo page and its backend say to each other (not part of the public API)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gridlink.credentials.schemas import UtilityCredentialOut
from gridlink.data.schemas import UtilityAccountOut, UtilityMeterOut
from gridlink.sync.schemas import SyncOut

# The demo acts for browser-made end users only: ids it cannot confuse with a real app's.
DemoUserId = str
DEMO_USER_PATTERN = r"^demo-[A-Za-z0-9_-]{1,60}$"


class DemoStatus(BaseModel):
    client_id: str = Field(description="The sandbox client the demo acts for.")
    client_name: str
    origin_allowed: bool | None = Field(
        default=None,
        description="Whether the origin the page named is registered for that client "
        "(null when the page named none).",
    )
    allowed_origins: list[str]
    sandbox_now: datetime = Field(description="The sandbox clock (utility-side time).")
    sandbox_offset_seconds: int


class DemoTokenRequest(BaseModel):
    """Create mode for ``client_user_id``; update mode when ``utility_credential_id`` is given
    too (a credential of that same demo user)."""

    model_config = ConfigDict(extra="forbid")

    client_user_id: DemoUserId = Field(pattern=DEMO_USER_PATTERN)
    utility_credential_id: str | None = Field(default=None, max_length=40)


class DemoToken(BaseModel):
    connect_token: str
    mode: str
    expires_at: datetime


class DemoExchangeRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_user_id: DemoUserId = Field(pattern=DEMO_USER_PATTERN)
    authorization_code: str = Field(max_length=200)


class DemoCredentials(BaseModel):
    data: list[UtilityCredentialOut]


class DemoClockMove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    advance_seconds: int = Field(gt=0, le=366 * 24 * 3600)


class DemoLinkRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    client_user_id: DemoUserId = Field(pattern=DEMO_USER_PATTERN)
    utility_credential_id: str = Field(max_length=40)


class DemoLink(BaseModel):
    url: str
    expires_at: datetime


class DemoStatement(BaseModel):
    """A bill as the demo's table shows it, with a PDF link through the demo's backend."""

    id: str
    utility_account_id: str
    meter_id: str
    period_start: date
    period_end: date
    amount_due: Decimal
    currency: str
    usage: Decimal | None = None
    usage_unit: str | None = None
    pdf_url: str | None = Field(default=None, description="Null when the utility gave no PDF.")


class DemoData(BaseModel):
    """A linked credential's data, or how far its first sync is while there is none yet."""

    state: Literal["syncing", "ready"] = Field(
        description="syncing: the first sync has not finished (the data API answers "
        "data_unavailable), so only the sync and the accounts are filled in."
    )
    sync: SyncOut | None = None
    retry_after_seconds: int | None = None
    accounts: list[UtilityAccountOut]
    meters: list[UtilityMeterOut]
    statements: list[DemoStatement] = Field(description="The latest bills, newest first.")


class DemoPoint(BaseModel):
    label: str = Field(description="The bucket's local date (day) or month (YYYY-MM).")
    start: datetime
    value: float


class DemoUsage(BaseModel):
    state: Literal["syncing", "ready"]
    retry_after_seconds: int | None = None
    meter_id: str
    unit: str | None = None
    time_zone: str | None = None
    daily: list[DemoPoint] = Field(description="Delivered usage per local day, last 30 days.")
    monthly: list[DemoPoint] = Field(description="Delivered usage per local month, 24 months.")
