"""Statements as CSV: one line per bill, with the account and meter it belongs to, for a
spreadsheet. Money and usage as exact decimal text; an empty cell where the API says null.

The line items are summed by kind (``delivery_charges`` … ``other_charges``): each is the
sum of that kind's items (``0`` when the bill has none of them), empty when the bill has no
line items at all. Time-of-use usage is one cell, ``Peak=41 kWh; Off-peak=101 kWh``.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from gridlink.data.schemas import LineItemOut, UtilityStatementOut
from gridlink.models import UtilityAccount, UtilityMeter

KIND_COLUMNS = {
    "delivery": "delivery_charges",
    "supply": "supply_charges",
    "tax": "taxes",
    "fee": "fees",
    "credit": "credits",
    "other": "other_charges",
}
STATEMENT_FIELDS = (
    "period_start",
    "period_end",
    "statement_date",
    "due_date",
    "currency",
    "previous_balance",
    "payments",
    "new_charges",
    "total_charges",
    "amount_due",
    "usage",
    "usage_unit",
    "normalized_usage",
    "normalized_unit",
    "demand",
    "demand_unit",
)
COLUMNS = (
    "id",
    "client_user_id",
    "utility_credential_id",
    "utility_account_id",
    "account_number",
    "service_address",
    "meter_id",
    "meter_number",
    "service_id",
    "commodity",
    *STATEMENT_FIELDS,
    "tou_usage",
    *KIND_COLUMNS.values(),
    "has_pdf",
)


@dataclass(frozen=True, slots=True)
class StatementSheet:
    """A page of statements with the accounts and meters they name (by id)."""

    statements: list[UtilityStatementOut]
    accounts: dict[str, UtilityAccount]
    meters: dict[str, UtilityMeter]


def to_csv(sheet: StatementSheet) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    writer.writerows(_line(s, sheet) for s in sheet.statements)
    return out.getvalue().encode()


def _line(statement: UtilityStatementOut, sheet: StatementSheet) -> list[str]:
    account = sheet.accounts.get(statement.utility_account_id)
    meter = sheet.meters.get(statement.meter_id)
    address = None if account is None else account.service_address
    values: dict[str, Any] = {
        "id": statement.id,
        "client_user_id": statement.client_user_id,
        "utility_credential_id": statement.utility_credential_id,
        "utility_account_id": statement.utility_account_id,
        "account_number": None if account is None else account.number,
        "service_address": None if address is None else _address(address),
        "meter_id": statement.meter_id,
        "meter_number": None if meter is None else meter.meter_number,
        "service_id": None if meter is None else meter.service_id,
        "commodity": None if meter is None else meter.commodity,
        **{name: getattr(statement, name) for name in STATEMENT_FIELDS},
        "tou_usage": "; ".join(f"{t.period}={t.usage} {t.unit}" for t in statement.tou_usage),
        **_by_kind(statement.line_items),
        "has_pdf": "true" if statement.has_pdf else "false",
    }
    return [_text(values[column]) for column in COLUMNS]


def _by_kind(items: Iterable[LineItemOut]) -> dict[str, Decimal | None]:
    listed = list(items)
    if not listed:
        return dict.fromkeys(KIND_COLUMNS.values())
    sums = {column: Decimal(0) for column in KIND_COLUMNS.values()}
    for item in listed:
        sums[KIND_COLUMNS[item.kind]] += item.amount
    return dict(sums)


def _address(address: dict[str, Any]) -> str:
    parts = [address.get("line1"), address.get("line2"), address.get("city")]
    street = ", ".join(p for p in parts if p)
    return f"{street}, {address.get('state')} {address.get('postal_code')}"


def _text(value: Any) -> str:
    if value is None:
        return ""
    if hasattr(value, "isoformat"):
        return str(value.isoformat())
    return str(value)
