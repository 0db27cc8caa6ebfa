"""What the demo page and its backend say to each other (not part of the public API)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from gridlink.credentials.schemas import UtilityCredentialOut
from gridlink.data.schemas import UtilityAccountOut, UtilityMeterOut
from gridlink.sync.schemas import SyncOut


class DemoRequest(BaseModel):
    """A body the page sends. The demo user is never taken from it: it is the browser's
    (demo/browser.py). A page loaded before that change still sends ``client_user_id``, which
    is accepted and ignored, so it cannot name another browser's user."""

    model_config = ConfigDict(extra="forbid")

    client_user_id: str | None = Field(
        default=None, max_length=100, description="Ignored: the demo user is the browser's."
    )


class DemoStatus(BaseModel):
    client_user_id: str = Field(description="This browser's demo end user.")
    client_id: str = Field(description="The demo's own sandbox client.")
    client_name: str
    origin_allowed: bool | None = Field(
        default=None,
        description="Whether the origin the page named is registered for that client "
        "(null when the page named none).",
    )
    allowed_origins: list[str]
    sandbox_now: datetime = Field(description="The sandbox clock (utility-side time).")
    sandbox_offset_seconds: int


class DemoTokenRequest(DemoRequest):
    """Create mode; update mode when ``utility_credential_id`` names a credential of this
    browser's demo user."""

    utility_credential_id: str | None = Field(default=None, max_length=40)


class DemoToken(BaseModel):
    connect_token: str
    mode: str
    expires_at: datetime


class DemoExchangeRequest(DemoRequest):
    authorization_code: str = Field(max_length=200)


class DemoCredentials(BaseModel):
    data: list[UtilityCredentialOut]


class DemoClockMove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    advance_seconds: int = Field(gt=0, le=366 * 24 * 3600)


class DemoLinkRequest(DemoRequest):
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
    amount_due: Decimal | None = Field(default=None, description="Null when the utility gave none.")
    new_charges: Decimal | None = Field(
        default=None, description="The period's charges: shown when the amount due is unknown."
    )
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
