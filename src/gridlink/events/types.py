"""The event catalogue: every type, what it is about (its scope) and its data, validated.

Payloads are thin: ids, statuses and times, never a secret. Every data model forbids unknown
fields, so nothing extra (a password, a token) can slip into an event by accident; lists are
capped so a payload stays well under the 20 KB limit.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

MAX_PAYLOAD_BYTES = 20 * 1024
MAX_IDS = 250

Id = Annotated[str, StringConstraints(min_length=1, max_length=40)]


class EventType(StrEnum):
    UTILITY_CREDENTIAL_VERIFIED = "utility_credential_verified"
    UTILITY_CREDENTIAL_REJECTED = "utility_credential_rejected"
    UTILITY_CREDENTIAL_REVOKED = "utility_credential_revoked"
    UTILITY_CREDENTIAL_VERIFICATION_ERROR = "utility_credential_verification_error"
    UTILITY_CREDENTIAL_TIMEOUT = "utility_credential_timeout"
    UTILITY_CREDENTIAL_MFA_REFRESH_REQUIRED = "utility_credential_mfa_refresh_required"
    UTILITY_CREDENTIAL_MFA_EXPIRING = "utility_credential_mfa_expiring"
    UTILITY_ACCOUNTS_DISCOVERED = "utility_accounts_discovered"
    HISTORICAL_UTILITY_STATEMENTS_DISCOVERED = "historical_utility_statements_discovered"
    NEW_UTILITY_STATEMENT_AVAILABLE = "new_utility_statement_available"
    HISTORICAL_UTILITY_INTERVALS_DISCOVERED = "historical_utility_intervals_discovered"
    NEW_UTILITY_INTERVALS_AVAILABLE = "new_utility_intervals_available"
    USER_DELETED = "user_deleted"
    WEBHOOK_ENDPOINT_DISABLED = "webhook_endpoint_disabled"
    TEST = "test"


class Scope(StrEnum):
    CREDENTIAL = "credential"  # needs utility_credential_id and client_user_id; numbered
    USER = "user"  # needs client_user_id
    CLIENT = "client"  # about the client itself


class _Data(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=False)


class CredentialStatusData(_Data):
    utility_id: str = Field(max_length=100)
    status: Literal["pending", "verified", "rejected", "timeout", "error"]
    status_detail: str | None = Field(default=None, max_length=60)
    action_required: bool


class MfaExpiringData(_Data):
    utility_id: str = Field(max_length=100)
    expires_at: datetime


class AccountsDiscoveredData(_Data):
    utility_id: str = Field(max_length=100)
    utility_account_ids: list[Id] = Field(max_length=MAX_IDS)


class StatementsDiscoveredData(_Data):
    utility_account_id: Id
    utility_statement_ids: list[Id] = Field(max_length=MAX_IDS)


class NewStatementData(_Data):
    utility_account_id: Id
    utility_statement_id: Id


class IntervalsData(_Data):
    utility_account_id: Id
    meter_id: Id
    start: datetime
    end: datetime


class NoData(_Data):
    pass


class TestData(_Data):
    message: str = Field(default="This is a test event from Gridlink.", max_length=200)


class EndpointDisabledData(_Data):
    webhook_endpoint_id: Id
    reason: Literal["gone", "failing"]


@dataclass(frozen=True)
class EventSpec:
    scope: Scope
    data: type[_Data]
    description: str


SPECS: dict[EventType, EventSpec] = {
    EventType.UTILITY_CREDENTIAL_VERIFIED: EventSpec(
        Scope.CREDENTIAL, CredentialStatusData, "The utility accepted the login; data follows."
    ),
    EventType.UTILITY_CREDENTIAL_REJECTED: EventSpec(
        Scope.CREDENTIAL, CredentialStatusData, "The utility refused the login (`status_detail`)."
    ),
    EventType.UTILITY_CREDENTIAL_REVOKED: EventSpec(
        Scope.CREDENTIAL, CredentialStatusData, "A working login stopped working (new password)."
    ),
    EventType.UTILITY_CREDENTIAL_VERIFICATION_ERROR: EventSpec(
        Scope.CREDENTIAL, CredentialStatusData, "The login could not be checked (utility down)."
    ),
    EventType.UTILITY_CREDENTIAL_TIMEOUT: EventSpec(
        Scope.CREDENTIAL, CredentialStatusData, "The end user did not finish (e.g. MFA) in time."
    ),
    EventType.UTILITY_CREDENTIAL_MFA_REFRESH_REQUIRED: EventSpec(
        Scope.CREDENTIAL, CredentialStatusData, "The MFA session expired; send an update link."
    ),
    EventType.UTILITY_CREDENTIAL_MFA_EXPIRING: EventSpec(
        Scope.CREDENTIAL, MfaExpiringData, "The MFA session expires soon (`expires_at`)."
    ),
    EventType.UTILITY_ACCOUNTS_DISCOVERED: EventSpec(
        Scope.CREDENTIAL, AccountsDiscoveredData, "Utility accounts were found for the login."
    ),
    EventType.HISTORICAL_UTILITY_STATEMENTS_DISCOVERED: EventSpec(
        Scope.CREDENTIAL, StatementsDiscoveredData, "The statement backfill for an account is in."
    ),
    EventType.NEW_UTILITY_STATEMENT_AVAILABLE: EventSpec(
        Scope.CREDENTIAL, NewStatementData, "A new statement (bill) arrived for an account."
    ),
    EventType.HISTORICAL_UTILITY_INTERVALS_DISCOVERED: EventSpec(
        Scope.CREDENTIAL, IntervalsData, "The interval backfill for a meter is in."
    ),
    EventType.NEW_UTILITY_INTERVALS_AVAILABLE: EventSpec(
        Scope.CREDENTIAL, IntervalsData, "New interval readings arrived for a meter."
    ),
    EventType.USER_DELETED: EventSpec(
        Scope.USER, NoData, "The end user and everything of theirs was deleted."
    ),
    EventType.WEBHOOK_ENDPOINT_DISABLED: EventSpec(
        Scope.CLIENT,
        EndpointDisabledData,
        "An endpoint was disabled: it answered 410 Gone, or failed everything for 5 days.",
    ),
    EventType.TEST: EventSpec(Scope.CLIENT, TestData, "Sent by POST .../test; nothing happened."),
}

# Types an endpoint can subscribe to. `test` goes only to the endpoint it was asked for.
SUBSCRIBABLE_TYPES = tuple(t for t in EventType if t is not EventType.TEST)


class InvalidEvent(ValueError):
    """A domain tried to record an event that breaks the catalogue: a programming error."""


def validate_data(type_: EventType, data: dict[str, Any]) -> dict[str, Any]:
    """The type's data, checked and in JSON form; raises InvalidEvent."""
    try:
        return SPECS[type_].data.model_validate(data).model_dump(mode="json")
    except ValueError as exc:
        raise InvalidEvent(f"{type_.value}: {exc}") from exc


def check_scope(
    type_: EventType, client_user_id: str | None, utility_credential_id: str | None
) -> None:
    scope = SPECS[type_].scope
    wants_user = scope in (Scope.CREDENTIAL, Scope.USER)
    wants_credential = scope is Scope.CREDENTIAL
    if (client_user_id is not None) != wants_user:
        raise InvalidEvent(
            f"{type_.value}: client_user_id is {'required' if wants_user else 'not allowed'}"
        )
    if (utility_credential_id is not None) != wants_credential:
        raise InvalidEvent(
            f"{type_.value}: utility_credential_id is "
            f"{'required' if wants_credential else 'not allowed'}"
        )
