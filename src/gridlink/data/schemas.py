"""Requests and responses of the data API.

Money and usage are exact decimals, written as JSON strings (``"123.45"``) so no float rounds
them; interval values are JSON numbers, exact to the stored resolution (a millionth of the
unit).
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

Resolution = Literal["raw", "hour", "day", "month"]
IntervalFormat = Literal["json", "csv"]
StatementFormat = Literal["json", "csv"]
LineItemKindName = Literal["delivery", "supply", "tax", "fee", "credit", "other"]
DirectionName = Literal["delivered", "received", "net"]
QualityName = Literal["actual", "estimated", "edited"]


class DataFilters(BaseModel):
    client_user_id: str | None = None
    utility_credential_id: str | None = None
    utility_account_id: str | None = None
    meter_id: str | None = None


class ServiceAddressOut(BaseModel):
    line1: str
    line2: str | None = None
    city: str
    state: str
    postal_code: str


_ACCOUNT_EXAMPLE: dict[str, Any] = {
    "id": "uac_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
    "utility_credential_id": "ucr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
    "client_user_id": "3f2c8e0a-5b1d-4c8e-9a47-2d6f1b0c9e11",
    "utility_id": "sandbox_electric",
    "number": "4410-2231-09",
    "service_address": {
        "line1": "2210 Birch Avenue",
        "line2": None,
        "city": "Springfield",
        "state": "CA",
        "postal_code": "94105",
    },
    "status": "active",
    "created_at": "2026-11-21T10:00:00Z",
    "updated_at": "2026-11-21T10:00:00Z",
}


class UtilityAccountOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_ACCOUNT_EXAMPLE]})

    id: str = Field(description="The utility account's id (`uac_...`).")
    utility_credential_id: str
    client_user_id: str = Field(description="Your id for the end user it belongs to.")
    utility_id: str
    number: str = Field(description="The account number as the utility prints it.")
    service_address: ServiceAddressOut | None = None
    status: Literal["active", "inactive", "closed"]
    created_at: datetime
    updated_at: datetime


_METER_EXAMPLE: dict[str, Any] = {
    "id": "mtr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
    "utility_account_id": "uac_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
    "utility_credential_id": "ucr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
    "client_user_id": "3f2c8e0a-5b1d-4c8e-9a47-2d6f1b0c9e11",
    "number": "E104522871",
    "meter_number": "1010054388",
    "service_id": "4017762215",
    "commodity": "electric",
    "service_class": "residential",
    "tariff": "E-TOU-C",
    "time_zone": "America/Los_Angeles",
    "unit": "kWh",
    "created_at": "2026-11-21T10:05:00Z",
    "updated_at": "2026-11-21T10:05:00Z",
}


class UtilityMeterOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_METER_EXAMPLE]})

    id: str = Field(description="The meter's id (`mtr_...`).")
    utility_account_id: str
    utility_credential_id: str
    client_user_id: str
    number: str = Field(
        description="The connector's stable key for the meter within its account (for some "
        "utilities an opaque id); use meter_number and service_id to show it to people."
    )
    meter_number: str | None = Field(
        default=None, description="The meter number printed on the bill; null when unknown."
    )
    service_id: str | None = Field(
        default=None,
        description="The utility's id of the service point: service agreement, service point "
        "or ESI ID; null when unknown.",
    )
    commodity: Literal["electric", "gas", "water"]
    service_class: Literal["residential", "commercial", "industrial", "agricultural", "other"]
    tariff: str | None = None
    time_zone: str = Field(description="IANA name; hour, day and month rollups use it.")
    unit: str = Field(
        description="The normalized unit of its usage and interval values: kWh, therm or gal."
    )
    created_at: datetime
    updated_at: datetime


class LineItemOut(BaseModel):
    description: str
    amount: Decimal = Field(description="Negative for a credit.")
    quantity: Decimal | None = None
    unit: str | None = None
    rate: Decimal | None = None
    kind: LineItemKindName = Field(
        default="other",
        description="delivery (wires, pipes, customer and demand charges), supply (the "
        "energy or water itself), tax, fee (surcharges, program fees), credit, or other.",
    )


class TouUsageOut(BaseModel):
    period: str = Field(description="The time-of-use period as the bill names it.")
    usage: Decimal
    unit: str


_STATEMENT_EXAMPLE: dict[str, Any] = {
    "id": "stm_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
    "utility_account_id": "uac_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
    "meter_id": "mtr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
    "utility_credential_id": "ucr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
    "client_user_id": "3f2c8e0a-5b1d-4c8e-9a47-2d6f1b0c9e11",
    "period_start": "2026-09-14",
    "period_end": "2026-10-14",
    "statement_date": "2026-10-16",
    "due_date": "2026-11-06",
    "previous_balance": "52.10",
    "payments": "52.10",
    "new_charges": "46.03",
    "total_charges": "46.03",
    "amount_due": "46.03",
    "currency": "USD",
    "usage": "142",
    "usage_unit": "kWh",
    "normalized_usage": "142",
    "normalized_unit": "kWh",
    "demand": None,
    "demand_unit": None,
    "tou_usage": [
        {"period": "Peak", "usage": "41", "unit": "kWh"},
        {"period": "Off-peak", "usage": "101", "unit": "kWh"},
    ],
    "line_items": [
        {
            "description": "Basic service charge",
            "amount": "11.70",
            "quantity": "30",
            "unit": "day",
            "rate": "0.39",
            "kind": "delivery",
        },
        {
            "description": "Generation",
            "amount": "18.60",
            "quantity": "142",
            "unit": "kWh",
            "rate": "0.131",
            "kind": "supply",
        },
        {
            "description": "Delivery",
            "amount": "14.07",
            "quantity": "142",
            "unit": "kWh",
            "rate": "0.09908",
            "kind": "delivery",
        },
        {
            "description": "Utility users' tax",
            "amount": "1.66",
            "quantity": None,
            "unit": None,
            "rate": None,
            "kind": "tax",
        },
    ],
    "has_pdf": True,
    "created_at": "2026-11-21T10:05:00Z",
    "updated_at": "2026-11-21T10:05:00Z",
}


class UtilityStatementOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_STATEMENT_EXAMPLE]})

    id: str = Field(description="The statement's id (`stm_...`).")
    utility_account_id: str
    meter_id: str
    utility_credential_id: str
    client_user_id: str
    period_start: date = Field(description="First day of the billing period (local date).")
    period_end: date = Field(description="Closing read date: the next period's start.")
    statement_date: date | None = None
    due_date: date | None = None
    previous_balance: Decimal | None = Field(
        default=None, description="The amount due on the previous bill; null when unknown."
    )
    payments: Decimal | None = Field(
        default=None,
        description="Payments received since the previous bill (positive); null when unknown.",
    )
    new_charges: Decimal | None = Field(
        default=None,
        description="This meter's current charges of the period; the line items add up to it "
        "when both are given. Null when unknown.",
    )
    total_charges: Decimal | None = Field(
        default=None,
        description="The current charges of the whole bill (every meter on it and the "
        "account's own charges); equals new_charges on a bill with one meter. Null when "
        "unknown.",
    )
    amount_due: Decimal | None = Field(
        default=None,
        description="What the bill asks to be paid by due_date: usually previous_balance - "
        "payments + total_charges, plus any adjustment. Null when the utility does not say.",
    )
    currency: str
    usage: Decimal | None = Field(default=None, description="As the bill states it.")
    usage_unit: str | None = None
    normalized_usage: Decimal | None = Field(
        default=None, description="The usage in the meter's normalized unit."
    )
    normalized_unit: str | None = None
    demand: Decimal | None = Field(
        default=None, description="The peak demand billed; null when the bill has none."
    )
    demand_unit: str | None = Field(default=None, description="kW or kVA.")
    tou_usage: list[TouUsageOut] = Field(
        default_factory=list,
        description="The usage by time-of-use period, as billed; empty when the bill does "
        "not split it.",
    )
    line_items: list[LineItemOut]
    has_pdf: bool = Field(
        description="Whether the bill's PDF is stored: GET /v1/utility_statements/{id}/pdf."
    )
    created_at: datetime
    updated_at: datetime


class ReadingComponentOut(BaseModel):
    period: str | None = Field(description="The time-of-use period, e.g. ON_PEAK.")
    tier: int | None = Field(description="The tier of a tiered rate, 1 for the first.")
    season: str | None = None
    value: float | None = Field(description="The usage in this period or tier, meter's unit.")
    cost: Decimal | None = Field(description="Exact, in the account's currency.")


class IntervalOut(BaseModel):
    start: datetime
    end: datetime
    direction: DirectionName = Field(
        description="delivered (from the grid), received (to the grid), or net (delivered "
        "minus received, for utilities that report only that; may be negative)."
    )
    value: float = Field(description="In the meter's unit; a rollup's sum of its readings.")
    readings: int | None = Field(
        default=None, description="Rollups only: how many readings the bucket sums."
    )
    cost: Decimal | None = Field(
        default=None,
        description="What the utility says the reading cost, exact, in the account's currency; "
        "a rollup's sum when every reading in it has a cost. Null when the utility gives none.",
    )
    quality: QualityName | None = Field(
        default=None,
        description="actual, estimated or edited, as the utility says; a rollup reports its "
        "least certain reading's. Null when the utility does not say.",
    )
    components: list[ReadingComponentOut] | None = Field(
        default=None,
        description="Raw readings only: the time-of-use or tier breakdown the utility gives "
        "(empty when none).",
    )


_INTERVALS_EXAMPLE: dict[str, Any] = {
    "meter_id": "mtr_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
    "utility_account_id": "uac_01JD3Q2V7S9X8Y6Z5W4V3U2T1S",
    "unit": "kWh",
    "time_zone": "America/New_York",
    "resolution": "hour",
    "start": "2026-03-08T05:00:00Z",
    "end": "2026-03-09T04:00:00Z",
    "data": [
        {
            "start": "2026-03-08T05:00:00Z",
            "end": "2026-03-08T06:00:00Z",
            "direction": "delivered",
            "value": 0.812,
            "readings": 4,
            "cost": "0.2436",
            "quality": "actual",
        }
    ],
}


class IntervalsOut(BaseModel):
    model_config = ConfigDict(json_schema_extra={"examples": [_INTERVALS_EXAMPLE]})

    meter_id: str
    utility_account_id: str
    unit: str
    time_zone: str
    resolution: Resolution
    start: datetime
    end: datetime
    data: list[IntervalOut] = Field(
        description="By direction, then time. Raw readings, or local-time buckets holding at "
        "least one reading (a reading counts in the bucket it starts in)."
    )
