"""What the dashboard API reads and answers (docs/reference/dashboard-api.md).

The dashboard reuses the API's own answers where it shows the same thing (a credential's sync,
accounts, meters, bills, connect links, events), so a field means the same in both places.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from gridlink.clients.schemas import Environment
from gridlink.connect.schemas import ConnectTokenResponse
from gridlink.credentials.schemas import CredentialStatus, UtilityRef
from gridlink.data.schemas import UtilityAccountOut, UtilityMeterOut, UtilityStatementOut
from gridlink.links.schemas import ConnectLinkCreated, ConnectLinkOut
from gridlink.sync.schemas import SyncOut

SortKey = Literal["created_at", "-created_at", "updated_at", "-updated_at"]
# What needs an operator's attention; each is a filter of the credentials list and a count of
# the overview, defined once (dashboard/repository.py's ``attention``).
AttentionKey = Literal[
    "mfa_refresh_required",
    "mfa_expiring_soon",
    "revoked",
    "utility_unavailable",
    "syncs_failing",
    "action_required",
]
CLIENT_ID = Field(default=None, max_length=40)


def _moment(value: Any) -> Any:
    """A date means its UTC midnight; a time without a zone is UTC."""
    if isinstance(value, str) and len(value) == len("2026-12-05"):
        value = date.fromisoformat(value)
    if isinstance(value, date) and not isinstance(value, datetime):
        return datetime.combine(value, time(), UTC)
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


class CredentialQuery(BaseModel):
    """The credentials list's filters and order, as the page URL carries them."""

    client_id: str | None = CLIENT_ID
    status: CredentialStatus | None = None
    status_detail: str | None = Field(default=None, max_length=60)
    utility_id: str | None = Field(default=None, max_length=100)
    client_user_id: str | None = Field(default=None, max_length=255)
    action_required: bool | None = None
    attention: AttentionKey | None = Field(
        default=None, description="Exactly the credentials the overview's count of it counts."
    )
    created_from: datetime | None = Field(
        default=None, description="From this date or time (a date is its UTC midnight)."
    )
    created_to: datetime | None = Field(
        default=None, description="Before this date or time (a date is its UTC midnight)."
    )
    sort: SortKey = "-created_at"

    _moments = field_validator("created_from", "created_to", mode="before")(_moment)


class CredentialRow(BaseModel):
    id: str
    client_id: str
    client_name: str
    client_user_id: str
    utility: UtilityRef
    status: CredentialStatus
    status_detail: str | None
    action_required: bool
    mfa_session_expires_at: datetime | None
    last_synced_at: datetime | None
    created_at: datetime
    updated_at: datetime


class CredentialPage(BaseModel):
    data: list[CredentialRow]
    has_more: bool
    next_cursor: str | None = Field(description="Pass as `after` for the next page.")
    total: int = Field(description="Credentials matching the filters, on every page.")


class CredentialFull(CredentialRow):
    verified_at: datetime | None
    sync: SyncOut | None


class StatusCount(BaseModel):
    status: CredentialStatus
    status_detail: str | None
    count: int


class Attention(BaseModel):
    mfa_refresh_required: int
    mfa_expiring_soon: int = Field(description="Verified, MFA session ending within 7 days.")
    revoked: int = Field(description="Rejected by the utility after working (not MFA refresh).")
    utility_unavailable: int
    syncs_failing: int
    action_required: int


class FailingEndpoint(BaseModel):
    id: str
    client_id: str
    url: str
    disabled: bool
    disabled_reason: str | None
    failing_since: datetime | None
    last_status: int | None


class Overview(BaseModel):
    total: int
    by_status: list[StatusCount]
    attention: Attention
    failing_endpoints: list[FailingEndpoint]


class Statement(UtilityStatementOut):
    pdf_url: str | None


class DayUsage(BaseModel):
    date: date
    value: float


class Usage(BaseModel):
    meter_id: str
    unit: str
    time_zone: str
    days: list[DayUsage]


class TimelineEvent(BaseModel):
    id: str
    type: str
    created_at: datetime
    data: dict[str, Any]


class CredentialDetail(BaseModel):
    credential: CredentialFull
    data_state: Literal["ready", "syncing", "none"] = Field(
        description="none: never verified, so no data; syncing: the first sync is running."
    )
    accounts: list[UtilityAccountOut]
    meters: list[UtilityMeterOut]
    statements: list[Statement]
    usage: Usage | None
    events: list[TimelineEvent]
    links: list[ConnectLinkOut]


class SubmitCredentials(BaseModel):
    client_id: str = Field(max_length=40)
    client_user_id: str = Field(min_length=1, max_length=255)


class DashboardConnectToken(ConnectTokenResponse):
    client_id: str


class UserRow(BaseModel):
    client_id: str
    client_user_id: str
    created_at: datetime
    credentials: int


class UserPage(BaseModel):
    data: list[UserRow]
    has_more: bool
    next_cursor: str | None


class UserDetail(BaseModel):
    user: UserRow
    credentials: list[CredentialRow]


class EventRow(BaseModel):
    id: str
    client_id: str
    type: str
    created_at: datetime
    utility_credential_id: str | None
    client_user_id: str | None
    data: dict[str, Any]


class EventRowPage(BaseModel):
    data: list[EventRow]
    has_more: bool
    next_cursor: str | None


class AttemptOut(BaseModel):
    at: datetime
    status_code: int | None
    latency_ms: int
    error: str | None
    outcome: str


class DeliveryOut(BaseModel):
    id: str
    endpoint_id: str
    url: str
    status: str
    attempts: list[AttemptOut]
    next_attempt_at: datetime | None


class EventDetail(BaseModel):
    event: EventRow
    deliveries: list[DeliveryOut]


class EndpointRow(BaseModel):
    id: str
    client_id: str
    url: str
    enabled_events: list[str] | None
    disabled: bool
    disabled_reason: str | None
    created_at: datetime
    failing_since: datetime | None


class EndpointPage(BaseModel):
    data: list[EndpointRow]


class Branding(BaseModel):
    logo_url: str | None = Field(default=None, max_length=2000)
    accent_color: str | None = Field(default=None, max_length=7)


class DashboardClient(BaseModel):
    id: str
    name: str
    environment: Environment
    allowed_origins: list[str]
    redirect_uris: list[str]
    branding: Branding
    created_at: datetime
    active_secrets: int


class UtilityOption(BaseModel):
    id: str
    name: str


class LinkMade(ConnectLinkCreated):
    status: Literal["active"] = "active"
    created_at: datetime


class NewClientIn(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    environment: Environment = "sandbox"
    allowed_origins: list[str] = Field(min_length=1, max_length=20)
    redirect_uris: list[str] = Field(default_factory=list, max_length=20)


class ClientEdit(BaseModel):
    """The whole new lists; what is left out stays as it is."""

    name: str | None = Field(default=None, min_length=1, max_length=100)
    allowed_origins: list[str] | None = Field(default=None, min_length=1, max_length=20)
    redirect_uris: list[str] | None = Field(default=None, max_length=20)
    branding: Branding | None = Field(
        default=None, description="Both fields as they should be; null removes one."
    )


class NewEndpointIn(BaseModel):
    client_id: str = Field(max_length=40)
    url: str = Field(max_length=2000)
    enabled_events: list[str] | None = Field(default=None, max_length=50)


class EndpointCreated(EndpointRow):
    secret: str = Field(description="The signing secret, shown only now.")
